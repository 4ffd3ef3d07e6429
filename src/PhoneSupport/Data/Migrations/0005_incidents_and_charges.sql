-- 0005: incidents (opened at the first connection to a technician) with their talk time, and the charges
-- of closed incidents. A bridged technician leg counts once (its Twilio sid is the key); an incident
-- belongs to the call that opened it, and a callback that keeps that call's promise adds to it.
create table incidents (
    id                   uuid primary key,
    provider             text not null,
    account_id           uuid null references accounts (id),
    contract_id          uuid null references contracts (id),
    call_sid             text not null references calls (call_sid),
    decision             text not null,
    "window"             text not null,
    policy_version       text not null,
    opened_at            timestamptz not null,
    closed_at            timestamptz null,
    talk_seconds         integer not null,
    status               text not null check (status in ('open', 'closed')),
    version              integer not null,
    constraint incidents_call_sid_key unique (call_sid)
);
create index incidents_account on incidents (account_id, opened_at);

create table incident_legs (
    leg_sid      text primary key,
    incident_id  uuid not null references incidents (id),
    call_sid     text not null,
    seconds      integer not null,
    source       text not null,
    at           timestamptz not null
);
create index incident_legs_incident on incident_legs (incident_id);

-- One row per billable part of an incident. Pending until posted to Stripe (billing lands with its issue);
-- the consent is the caller's "press 1" event in the call's log.
create table charges (
    id                uuid primary key,
    incident_id       uuid not null references incidents (id),
    account_id        uuid null references accounts (id),
    kind              text not null,
    "window"          text not null,
    rate_per_hour     bigint not null,
    currency          text not null,
    billed_seconds    integer not null,
    steps             integer not null,
    amount            bigint not null,
    consent_event_id  bigint null references call_events (id),
    policy_version    text not null,
    status            text not null check (status in ('pending', 'posted', 'invoiced', 'paid', 'failed', 'waived', 'voided', 'refunded')),
    status_reason     text null,
    created_at        timestamptz not null,
    updated_at        timestamptz not null,
    constraint charges_incident_kind_key unique (incident_id, kind)
);
create index charges_account on charges (account_id, created_at);
