-- 0001: accounts and contracts (the identify steps look them up), calls and their event log.
-- Applied once, in order, under an advisory lock by Data/MigrationRunner.cs. Never edit an applied file:
-- add the next number instead.

create table accounts (
    id                 uuid primary key,
    provider           text not null check (provider in ('constellix', 'constructor')),
    name               text not null,
    membership         text not null,
    account_number     text not null check (account_number ~ '^[0-9]{4,12}$'),
    stripe_customer_id text null,
    tam_technician_id  uuid null,
    created_at         timestamptz not null,
    constraint accounts_provider_account_number_key unique (provider, account_number)
);

-- A phone number identifies at most one account per provider (caller ID).
create table account_phone_numbers (
    account_id   uuid not null references accounts (id) on delete cascade,
    provider     text not null,
    phone_number text not null check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    primary key (account_id, phone_number),
    constraint account_phone_numbers_provider_phone_key unique (provider, phone_number)
);

-- User names spoken by Corporate callers; matched on the normalised form (Domain/Identity/UserNames.cs).
create table account_user_names (
    account_id uuid not null references accounts (id) on delete cascade,
    provider   text not null,
    user_name  text not null,
    normalized text not null,
    primary key (account_id, user_name)
);
create index account_user_names_lookup on account_user_names (provider, normalized);

create table contracts (
    id              uuid primary key,
    account_id      uuid not null references accounts (id),
    contract_number text not null check (contract_number ~ '^[0-9]{4,12}$'),
    starts_on       date not null,
    ends_on         date not null,
    created_at      timestamptz not null,
    constraint contracts_contract_number_key unique (contract_number),
    constraint contracts_dates check (ends_on >= starts_on)
);
create index contracts_account on contracts (account_id);

-- One row per inbound call (CallSid): where it stands in its flow. Any instance can take the next webhook.
create table calls (
    call_sid         text primary key,
    provider         text not null,
    flow_id          text not null,
    from_number      text not null,
    to_number        text not null,
    step             text not null,
    attempt          integer not null,
    language         text not null,
    sequence         integer not null,
    vars             jsonb not null,
    phase            text not null,
    twilio_status    text null,
    account_id       uuid null references accounts (id),
    started_at       timestamptz not null,
    updated_at       timestamptz not null,
    ended_at         timestamptz null,
    duration_seconds integer null,
    version          integer not null
);
create index calls_started_at on calls (started_at);

-- Append-only: every webhook and every decision. dedupe_key makes a repeated Twilio callback a no-op.
create table call_events (
    id         bigint generated always as identity primary key,
    call_sid   text not null references calls (call_sid),
    at         timestamptz not null,
    kind       text not null,
    data       jsonb not null,
    dedupe_key text null,
    constraint call_events_dedupe_key_key unique (dedupe_key)
);
create index call_events_call on call_events (call_sid, id);
