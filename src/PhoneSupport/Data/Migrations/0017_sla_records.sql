-- 0017: SLA records (issue 11). One per call whose plan has response targets (Constructor `targets`), keyed by the
-- call that was answered and decided: the record exists from the decision on, whether the call is then connected,
-- queued or promised a callback. The incident of that call (incidents.call_sid, the callback's too) is its link.
-- first_contact_at is the earliest human contact (a technician accepting the whisper, or a callback's customer leg
-- bridged); met is stored with it. Before a contact, "met" is false once due_at has passed (computed when read).
create table sla_records (
    call_sid          text primary key references calls (call_sid),
    provider          text not null,
    account_id        uuid null references accounts (id),
    plan              text not null,
    severity          integer not null,
    target            text not null,
    clock             text not null check (clock in ('24x7', 'coverage')),
    started_at        timestamptz not null,
    due_at            timestamptz not null,
    first_contact_at  timestamptz null,
    first_contact     text null check (first_contact in ('live', 'callback')),
    met               boolean null,
    policy_version    text not null,
    updated_at        timestamptz not null
);
-- Open records by due time (reports of what is running late; at-risk callbacks on the coverage clock).
create index sla_records_open_due on sla_records (due_at) where first_contact_at is null;

