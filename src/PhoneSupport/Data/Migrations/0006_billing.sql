-- 0006: billing through Stripe. Charges learn their Stripe side and are changed only forward (see ChargeStatus);
-- a transactional outbox carries "post to Stripe" and "undo in Stripe" jobs written in the same transaction as the
-- charge or the waiver; Stripe events are stored once by id; every status change of a charge is audited.
-- Purchases and quotes are consented prices for SmallBusiness/Business phone incidents; a technician may attach a
-- later call to an earlier incident of the same account.

alter table charges
    add column origin                   text not null default 'call' check (origin in ('call', 'purchase', 'quote')),
    add column purchase_id              uuid null,
    add column quote_id                 uuid null,
    add column description              text not null default '',
    add column posting_started_at       timestamptz null,
    add column stripe_customer_id       text null,
    add column stripe_invoice_item_id   text null,
    add column stripe_invoice_id        text null,
    add column stripe_invoice_number    text null,
    add column stripe_payment_intent_id text null,
    add column stripe_charge_id         text null,
    add column stripe_credit_note_id    text null,
    add column stripe_refund_id         text null,
    add column waived_reason            text null,
    add column waived_by                text null,
    add column waived_at                timestamptz null,
    add column version                  integer not null default 0;
alter table charges alter column origin drop default, alter column description drop default, alter column version drop default;
create index charges_status on charges (status, created_at);
create index charges_created on charges (created_at);
create index charges_stripe_invoice on charges (stripe_invoice_id) where stripe_invoice_id is not null;

-- Incidents: a call attached to an earlier incident merges its own (if it had one) into it.
alter table incidents drop constraint incidents_status_check;
alter table incidents add constraint incidents_status_check check (status in ('open', 'closed', 'merged'));
alter table incidents add column merged_into_id uuid null references incidents (id);

-- Calls that count towards an incident other than the one they opened (attached by a technician).
create table incident_calls (
    call_sid     text primary key references calls (call_sid),
    incident_id  uuid not null references incidents (id),
    attached_by  text not null,
    attached_at  timestamptz not null
);
create index incident_calls_incident on incident_calls (incident_id);

-- The outbox. kind 'invoice': post the incident's charges listed in charge_ids as one Stripe invoice;
-- kind 'undo': the Stripe side of a waiver (void an open invoice, or credit note + refund a paid one).
create table billing_outbox (
    id               uuid primary key,
    kind             text not null check (kind in ('invoice', 'undo')),
    incident_id      uuid null references incidents (id),
    charge_ids       uuid[] not null,
    status           text not null check (status in ('pending', 'done', 'cancelled', 'failed')),
    attempts         integer not null,
    next_attempt_at  timestamptz not null,
    lease_owner      text null,
    lease_until      timestamptz null,
    last_error       text null,
    created_at       timestamptz not null,
    done_at          timestamptz null
);
create index billing_outbox_due on billing_outbox (next_attempt_at) where status = 'pending';

-- Every Stripe event once (its id), whatever it changed.
create table stripe_events (
    id           text primary key,
    type         text not null,
    created      timestamptz not null,
    received_at  timestamptz not null,
    object_id    text null,
    outcome      text not null,
    payload      jsonb not null
);

-- The audit trail of charges: creation, every status change, waivers (who, why), Stripe ids learnt.
create table charge_events (
    id           bigint generated always as identity primary key,
    charge_id    uuid not null references charges (id) on delete cascade,
    at           timestamptz not null,
    kind         text not null,
    from_status  text null,
    to_status    text null,
    actor        text not null,
    detail       jsonb not null
);
create index charge_events_charge on charge_events (charge_id, id);

-- A phone incident bought by a SmallBusiness/Business account: through the API (control panel) or over the phone
-- after hearing the price. The block is charged when its incident closes, time beyond it at the same rate.
create table purchases (
    id             uuid primary key,
    provider       text not null,
    account_id     uuid not null references accounts (id),
    call_sid       text not null references calls (call_sid),
    channel        text not null check (channel in ('api', 'phone')),
    "window"       text not null,
    minutes        integer not null check (minutes > 0),
    price          bigint not null check (price >= 0),
    rate_per_hour  bigint not null,
    currency       text not null,
    policy_version text not null,
    consent        jsonb not null,
    callback_id    uuid null references callbacks (id),
    created_at     timestamptz not null,
    constraint purchases_call_key unique (call_sid)
);
create index purchases_account on purchases (account_id, created_at);

-- An after-hours quote: rate × estimated duration, sent by a technician or finance, accepted by the customer (API).
create table quotes (
    id                 uuid primary key,
    provider           text not null,
    account_id         uuid not null references accounts (id),
    "window"           text not null,
    estimated_minutes  integer not null check (estimated_minutes > 0),
    rate_per_hour      bigint not null,
    amount             bigint not null,
    currency           text not null,
    policy_version     text not null,
    status             text not null check (status in ('sent', 'accepted', 'expired')),
    requested_call_sid text null references calls (call_sid),
    created_by         text not null,
    created_at         timestamptz not null,
    expires_at         timestamptz not null,
    accepted_at        timestamptz null,
    accepted_by        text null,
    call_sid           text null references calls (call_sid),
    callback_id        uuid null references callbacks (id)
);
create index quotes_account on quotes (account_id, created_at);

alter table charges add constraint charges_purchase_fk foreign key (purchase_id) references purchases (id);
alter table charges add constraint charges_quote_fk foreign key (quote_id) references quotes (id);
