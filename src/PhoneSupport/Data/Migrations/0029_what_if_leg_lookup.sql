-- 0029: what if (issue 17, decision 019). The replay reads, for each call of a period, its first bridged leg (the first human
-- contact of a call without an SLA record, and whether it was connected); legs were only indexed by incident. No new table,
-- so no grant (0020's default privileges cover indexes anyway).
create index if not exists incident_legs_call on incident_legs (call_sid);
