-- 0028: support policy versions with effective dates (issue 17, decision 018).
--
-- One row per published version of a provider's policy (the policy YAML only; flows are not versioned). The files at
-- start-up are the base: each instance inserts its files' versions (on conflict do nothing) with effective_from = the
-- instant of the first start that saw that `version:` (source 'file'); the earliest version of a provider also answers
-- for instants before it. The admin API publishes versions with a future effective_from (source 'api'). A published
-- row is immutable: only a version not yet effective may be withdrawn (withdrawn_at/withdrawn_by, set once).
create table policy_versions (
    provider        text not null,
    version         text not null,
    effective_from  timestamptz not null,
    yaml            text not null,
    source          text not null,
    published_by    text not null,
    published_at    timestamptz not null,
    withdrawn_at    timestamptz null,
    withdrawn_by    text null,
    primary key (provider, version),
    constraint policy_versions_source check (source in ('file', 'api')),
    constraint policy_versions_withdrawn check ((withdrawn_at is null) = (withdrawn_by is null))
);
create index policy_versions_provider_effective on policy_versions (provider, effective_from);

-- History is not rewritten: the published columns never change, and a withdrawal is set once.
create function policy_versions_immutable() returns trigger language plpgsql as $$
begin
    if new.provider <> old.provider or new.version <> old.version or new.effective_from <> old.effective_from
       or new.yaml <> old.yaml or new.source <> old.source or new.published_by <> old.published_by
       or new.published_at <> old.published_at or (old.withdrawn_at is not null and new.withdrawn_at is distinct from old.withdrawn_at) then
        raise exception 'policy version %/% is published and immutable', old.provider, old.version;
    end if;
    return new;
end
$$;
create trigger policy_versions_immutable before update on policy_versions
    for each row execute function policy_versions_immutable();

-- Grants (see 0020): the default privileges cover the new table; granted explicitly as well for a role created after
-- 0020's default privileges were set by another owner. No delete: a version is withdrawn, never removed.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'phonesupport_app') then
        grant select, insert, update on policy_versions to phonesupport_app;
        revoke delete, truncate on policy_versions from phonesupport_app;
    end if;
end
$$;
