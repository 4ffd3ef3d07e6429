-- Transfers (issue 12 item 5, decision 013): a technician on a call hands it to a colleague or a skill, cold or warm.
-- One row per transfer. At most one open transfer per call (the partial unique index): a repeated or concurrent request
-- finds the open one instead of moving the caller twice. The colleague is reserved like any call, under the key
-- 'tr-' || id without dashes (technicians.reserved_call_sid), so the first technician keeps the call itself until
-- the caller's leg is moved.
create table call_transfers (
    id uuid primary key,
    call_sid text not null references calls (call_sid),
    from_technician_id uuid not null references technicians (id),
    to_technician_id uuid references technicians (id),
    skill text,
    mode text not null check (mode in ('cold', 'warm')),
    status text not null check (status in ('ringing', 'accepted', 'completed', 'failed')),
    requested_by text not null,
    leg_sid text,
    reason text,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create unique index call_transfers_one_open_per_call on call_transfers (call_sid) where status in ('ringing', 'accepted');
create index call_transfers_call on call_transfers (call_sid, created_at);

-- The service's role (0020) gets this table through the default privileges 0020 set; granted here too for a role
-- created after 0020 ran by hand with its grants (docs/runbook.md).
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update, delete on call_transfers to phonesupport_app;
    end if;
end
$$;
