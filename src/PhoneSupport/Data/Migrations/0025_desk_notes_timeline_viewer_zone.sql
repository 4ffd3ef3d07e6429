-- 0025: running the desk — incident notes with a disposition, the console viewer's time zone, and the indexes the
-- call history reads by (docs/decisions/015-call-timeline-and-viewer-time.md).

-- Notes on an incident: append-only, one row per note. author is who wrote it as the console or the API names them
-- (a staff user name, or an API key's name); technician_id is set when a technician wrote it. disposition is the
-- outcome the note records (null: a plain note). Texts up to 4,000 characters.
create table incident_notes (
    id            uuid primary key,
    incident_id   uuid not null references incidents (id),
    author        text not null,
    technician_id uuid null references technicians (id),
    text          text not null check (char_length(text) between 1 and 4000),
    disposition   text null check (disposition in ('resolved', 'followUp', 'escalated', 'noFaultFound', 'duplicate', 'customerUnreachable')),
    created_at    timestamptz not null
);
create index incident_notes_incident on incident_notes (incident_id, created_at);

-- The zone a staff user reads instants in (an IANA id, checked against the service's tzdb when set); null: the
-- zone of their first provider's policy (technicians), else the first loaded policy's zone.
alter table staff_users add column time_zone text null;

-- Call history: calls of an account, newest first; a call's technician events (reservations, whisper answers, wrap-up),
-- its callbacks, and the incidents its legs count towards.
create index calls_account_started on calls (account_id, started_at) where account_id is not null;
create index technician_events_call on technician_events ((data->>'callSid'));
create index incident_legs_call on incident_legs (call_sid);
create index callbacks_call on callbacks (call_sid);

-- The application role (0020) gets the new table through the default privileges when 0020 ran as this owner; granted
-- here too, so a role created by hand after 0020 (docs/runbook.md, "Database roles") is not left without it.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update, delete on incident_notes to phonesupport_app;
    end if;
end
$$;
