-- 0002: what the entitlement engine needs: exam sessions, the allowance ledger, identification lockout,
-- API keys, and the decision stored with each call.

create table exam_sessions (
    id         uuid primary key,
    account_id uuid not null references accounts (id) on delete cascade,
    starts_at  timestamptz not null,
    ends_at    timestamptz not null,
    created_at timestamptz not null,
    constraint exam_sessions_order check (ends_at > starts_at)
);
create index exam_sessions_account on exam_sessions (account_id, starts_at);

-- Included incidents of a contract. A claim is made when the caller presses 1, released if no technician is
-- ever connected, committed when the incident closes. Claims take a row lock on the contract
-- (Features/Entitlements/AllowanceLedger.cs), so parallel callers on any instance can never be promised more
-- than the included count; one live claim per call makes a repeated "press 1" a no-op.
create table allowance_uses (
    id                  uuid primary key,
    contract_id         uuid not null references contracts (id),
    contract_year_start timestamptz not null,
    call_sid            text not null,
    incident_id         uuid null,
    status              text not null check (status in ('claimed', 'committed', 'released')),
    claimed_at          timestamptz not null,
    released_at         timestamptz null,
    committed_at        timestamptz null
);
create index allowance_uses_year on allowance_uses (contract_id, contract_year_start);
create unique index allowance_uses_one_live_claim_per_call on allowance_uses (call_sid) where status <> 'released';

-- Failed identification attempts per caller number: 5 within an hour lock the number out for an hour.
create table identification_failures (
    id            bigint generated always as identity primary key,
    provider      text not null,
    caller_number text not null,
    call_sid      text not null,
    at            timestamptz not null
);
create index identification_failures_lookup on identification_failures (provider, caller_number, at);

-- API keys are stored as SHA-256 hashes; the key itself is shown once, when created.
create table api_keys (
    id         uuid primary key,
    name       text not null,
    role       text not null check (role in ('admin', 'finance', 'technician')),
    key_hash   text not null,
    prefix     text not null,
    created_at timestamptz not null,
    revoked_at timestamptz null,
    constraint api_keys_key_hash_key unique (key_hash)
);

-- The entitlement decided for the call (engine output, JSON), next to its session state.
alter table calls add column entitlement jsonb null;
