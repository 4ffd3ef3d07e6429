-- The ASP.NET Core Data Protection key ring (issue 16), shared by every instance: a console cookie or antiforgery
-- token made by one pod is read by the next. One row per key, as the key manager writes it (XML, one element per key,
-- never updated: revocations and new keys are new rows). The first instance to start creates the first key under an
-- advisory lock (Features/Hardening/SharedDataProtectionKeys.cs), so instances starting together agree on one key.
create table data_protection_keys (
    friendly_name text primary key,
    xml text not null,
    created_at timestamptz not null default now()
);
