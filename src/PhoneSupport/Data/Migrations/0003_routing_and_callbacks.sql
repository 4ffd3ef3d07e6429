-- 0003: technicians and their state, reservations, and callback promises.

create table technicians (
    id                uuid primary key,
    name              text not null,
    phone_number      text not null check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    providers         text[] not null,
    skills            text[] not null,
    status            text not null check (status in ('available', 'reserved', 'busy', 'wrapUp', 'offline')),
    status_since      timestamptz not null,
    reserved_call_sid text null,
    reserved_until    timestamptz null,
    created_at        timestamptz not null,
    version           integer not null,
    constraint technicians_phone_number_key unique (phone_number)
);
-- A technician holds at most one call, and a call at most one technician: the reservation UPDATE takes the
-- row with FOR UPDATE SKIP LOCKED, and these indexes make a second holder impossible even by mistake.
create unique index technicians_one_reservation_per_call on technicians (reserved_call_sid) where reserved_call_sid is not null;
create index technicians_idle on technicians (status, status_since);

-- The rota for nights, weekends and holidays.
create table technician_on_call (
    technician_id uuid not null references technicians (id) on delete cascade,
    starts_at     timestamptz not null,
    ends_at       timestamptz not null,
    primary key (technician_id, starts_at),
    constraint technician_on_call_order check (ends_at > starts_at)
);

-- Every change of a technician's state (append-only).
create table technician_events (
    id            bigint generated always as identity primary key,
    technician_id uuid not null references technicians (id) on delete cascade,
    at            timestamptz not null,
    kind          text not null,
    data          jsonb not null
);
create index technician_events_technician on technician_events (technician_id, id);

-- Callback promises. The dispatcher (any instance) leases due rows with FOR UPDATE SKIP LOCKED;
-- a lease that runs out (instance killed) is taken over. One live promise per originating call.
create table callbacks (
    id               uuid primary key,
    provider         text not null,
    account_id       uuid null references accounts (id),
    call_sid         text not null,
    phone_number     text not null check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    reason           text not null,
    priority         integer not null,
    due_at           timestamptz not null,
    not_before       timestamptz not null,
    coverage_only    boolean not null,
    status           text not null check (status in ('scheduled', 'dialing', 'completed', 'missed', 'cancelled')),
    attempts         integer not null,
    next_attempt_at  timestamptz not null,
    lease_owner      text null,
    lease_until      timestamptz null,
    at_risk          boolean not null,
    escalated_at     timestamptz null,
    technician_id    uuid null references technicians (id),
    twilio_call_sid  text null,
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    version          integer not null
);
create unique index callbacks_one_per_call on callbacks (call_sid) where status <> 'cancelled';
create index callbacks_due on callbacks (status, next_attempt_at);
