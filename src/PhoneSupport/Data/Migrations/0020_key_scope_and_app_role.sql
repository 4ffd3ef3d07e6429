-- 0020: API keys bound to a technician, and the least-privilege application role.
--
-- A technician key acts for one technician: technician_id (set when the key is created; a technician key made
-- before this migration has none, and may then act on no technician's state). Other roles never carry one.
alter table api_keys add column technician_id uuid null references technicians (id);
alter table api_keys add constraint api_keys_technician_link check (technician_id is null or role = 'technician');

-- Failed sign-ins and failed API keys are counted per client address in rate_limit_counters (0008) under the scopes
-- 'sign-in-address' and 'api-key-address' (the address as a SHA-256 digest); nothing to create here.

-- The service connects as phonesupport_app in production (deploy/k8s: the migration Job alone connects as the
-- owner): data only, no schema changes. Granted here when the role exists (created beforehand by the DBA, or by
-- CloudNativePG's managed roles); the default privileges extend the grants to the tables and sequences later
-- migrations create. A role created after this migration ran gets the same grants by hand (docs/runbook.md,
-- "Database roles"). Without the role (tests, the demo) nothing happens.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant usage on schema public to phonesupport_app;
        grant select, insert, update, delete on all tables in schema public to phonesupport_app;
        grant usage on all sequences in schema public to phonesupport_app;
        revoke insert, update, delete on schema_migrations from phonesupport_app;
        alter default privileges in schema public grant select, insert, update, delete on tables to phonesupport_app;
        alter default privileges in schema public grant usage on sequences to phonesupport_app;
    end if;
end
$$;
