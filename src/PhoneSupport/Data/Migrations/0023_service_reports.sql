-- 0023: service reports (issue 13): the manager role, the instants the figures need, a daily roll-up of calls and the
-- indexes the callback, SLA and revenue figures read (docs/reports.md defines every figure).

-- Support managers read the reports (console and API keys) without the admin's rights.
alter table api_keys drop constraint if exists api_keys_role_check;
alter table api_keys add constraint api_keys_role_check check (role in ('admin', 'finance', 'technician', 'manager'));
alter table staff_users drop constraint if exists staff_users_role_check;
alter table staff_users add constraint staff_users_role_check check (role in ('admin', 'finance', 'technician', 'manager'));

-- caller_hung_up: set with ended_at by the call's final status (CallRecord.End): true when Twilio reported the end before
-- the flow had ended the call itself (the caller hung up). reported_at: when the call was added to service_rollups
-- (exactly once: the roll-up statement sets it and adds in one statement). Calls ended before this migration have neither:
-- the roll-up sweep adds them (caller_hung_up null = unknown, counted as the flow's end).
alter table calls add column caller_hung_up boolean null, add column reported_at timestamptz null;
-- Ended calls not yet rolled up (the sweep's work list: after a crash between the final status and its roll-up, and the
-- backlog of calls ended before this migration).
create index calls_unreported on calls (ended_at) where reported_at is null and ended_at is not null;

-- The instant the customer was bridged with the technician (callback kept on time = connected_at <= due_at).
alter table callbacks add column connected_at timestamptz null;

-- The technician's "press 1" per call (the answer instant of speed of answer), found by the call's sid.
create index technician_events_accepted_call on technician_events ((data ->> 'callSid'), at) where kind = 'accepted';

-- One row per provider, local day (the provider's zone) the call was offered (received, when never offered), plan,
-- severity and speed-of-answer bucket (-1: not answered; else Domain/Reports/SpeedOfAnswer.Edges). A call adds to exactly
-- one row, once, as it ends (Features/Reports/ServiceRollup.cs). answered_within_target compares with the threshold in
-- force when the call ended, so changing it never rewrites closed days.
create table service_rollups (
    provider               text not null,
    day                    date not null,
    plan                   text not null,
    severity               integer not null,
    soa_bucket             smallint not null,
    received               bigint not null,
    offered                bigint not null,
    answered_live          bigint not null,
    answered_within_target bigint not null,
    abandoned              bigint not null,
    abandoned_in_ivr       bigint not null,
    abandoned_in_queue     bigint not null,
    soa_seconds            bigint not null,
    talk_seconds           bigint not null,
    handle_seconds         bigint not null,
    primary key (provider, day, plan, severity, soa_bucket)
);

-- Callbacks and SLA records by the day they came due, read index-only (with the columns the figures need).
create index callbacks_report on callbacks (provider, due_at) include (status, connected_at, updated_at, account_id, call_sid);
create index sla_records_report on sla_records (provider, due_at) include (plan, severity, met, first_contact_at);
-- Revenue by the month a charge was made.
create index charges_report on charges (created_at) include (incident_id, status, amount, currency, "window");

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update, delete on service_rollups to phonesupport_app;
    end if;
end
$$;

-- Callback and SLA figures of final due days (the day is over, an hour's grace, and no callback due that day is still open:
-- nothing about them changes any more), computed once by the first report that reads them (Features/Reports/ReportQueries.cs)
-- and read from here after. report_days_cached marks a day as stored (also a day with nothing), per provider and zone.
create table report_days_cached (
    provider    text not null,
    zone        text not null,
    day         date not null,
    computed_at timestamptz not null,
    primary key (provider, zone, day)
);
create table report_day_cache (
    provider           text not null,
    zone               text not null,
    day                date not null,
    plan               text not null,
    severity           integer not null,
    callbacks_promised bigint not null,
    callbacks_kept     bigint not null,
    callbacks_late     bigint not null,
    callbacks_missed   bigint not null,
    sla_met            bigint not null,
    sla_missed         bigint not null,
    primary key (provider, zone, day, plan, severity)
);

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update, delete on report_days_cached, report_day_cache to phonesupport_app;
    end if;
end
$$;

-- Revenue per local day, window and currency of days before today, computed once (Features/Reports/RevenueDays.cs). A charge
-- changed since (its updated_at after the provider's last check, found through charges_updated) drops its creation day.
create table revenue_days_cached (
    provider    text not null,
    zone        text not null,
    day         date not null,
    computed_at timestamptz not null,
    primary key (provider, zone, day)
);
create table revenue_day_cache (
    provider  text not null,
    zone      text not null,
    day       date not null,
    "window"  text not null,
    currency  text not null,
    charges   bigint not null,
    billed    bigint not null,
    paid      bigint not null,
    waived    bigint not null,
    refunded  bigint not null,
    primary key (provider, zone, day, "window", currency)
);
create table revenue_cache_watermarks (
    provider   text not null,
    zone       text not null,
    checked_at timestamptz not null,
    primary key (provider, zone)
);
create index charges_updated on charges (updated_at) include (created_at);

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update, delete on revenue_days_cached, revenue_day_cache, revenue_cache_watermarks to phonesupport_app;
    end if;
end
$$;
