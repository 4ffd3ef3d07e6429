-- Never ring a technician twice for one callback (docs/decisions/011-callback-legs.md).
-- The dial intent is saved before Twilio is asked to create the technician leg: whoever takes the callback over
-- afterwards knows a leg may exist, to whom and since when.
alter table callbacks
    add column dial_started_at timestamptz null,
    add column dial_to         text null;

-- Every technician leg Twilio told us about for a callback, by its sid: from the create's answer, from its status
-- callback or TwiML request (Twilio sends "initiated" the moment it starts the call), or found at Twilio after a takeover or an
-- unknown create outcome. A leg that is not the callback's current one is a stray: cancelled, never offered.
create table callback_legs (
    call_sid      text primary key,
    callback_id   uuid not null references callbacks (id),
    technician_id uuid null references technicians (id),
    attempt       integer not null,
    source        text not null check (source in ('create', 'webhook', 'lookup')),
    stray         boolean not null default false,
    created_at    timestamptz not null
);
create index callback_legs_callback on callback_legs (callback_id);
