-- 0024: running the desk (issue 12, items 1, 2, 6, 7): edits with optimistic concurrency, callbacks under control,
-- run-time closures and the audit log.

-- The audit log: every change made through the API or the console, written in the same transaction as the change.
-- actor: the API key's name or the staff user's name; actor_kind: apiKey, staff or service.
create table audit_log (
    id          uuid primary key,
    at          timestamptz not null,
    actor       text not null,
    actor_kind  text not null check (actor_kind in ('apiKey', 'staff', 'service')),
    entity      text not null,
    entity_id   text not null,
    action      text not null,
    before      jsonb null,
    after       jsonb null
);
create index audit_log_entity on audit_log (entity, entity_id, at);
create index audit_log_at on audit_log (at);

-- Edits: a revision per editable row, bumped by every PATCH; the ETag is it. Retired accounts and technicians stay
-- (history points at them) but are inactive: an inactive technician is never reserved, an inactive account's callers
-- hear the non-member path.
alter table accounts add column revision integer not null default 1;
alter table accounts add column active boolean not null default true;
alter table contracts add column revision integer not null default 1;
alter table technicians add column revision integer not null default 1;
alter table technicians add column active boolean not null default true;

-- Callbacks under control: cancelled with a reason (never dialled afterwards), assigned to one technician.
alter table callbacks add column cancelled_at timestamptz null;
alter table callbacks add column cancel_reason text null;
alter table callbacks add column assigned_technician_id uuid null references technicians (id);

-- Run-time closures: the window [starts_at, ends_at) is a holiday for the provider, beside the policy's calendar.
create table closures (
    id          uuid primary key,
    provider    text not null,
    name        text not null,
    starts_at   timestamptz not null,
    ends_at     timestamptz not null,
    created_by  text not null,
    created_at  timestamptz not null,
    constraint closures_ordered check (ends_at > starts_at)
);
create index closures_provider_end on closures (provider, ends_at);

-- Grants (see 0020): the default privileges cover the new tables; granted explicitly as well for a role created after
-- 0020's default privileges were set by another owner.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update, delete on closures to phonesupport_app;
        grant select, insert on audit_log to phonesupport_app;
    end if;
end
$$;
