-- Issue 14 (decision 017): a webhook's effects are applied in one batch of statements, one round trip, one transaction.
-- An effect whose premise no longer holds (the technician taken by another instance, the last included incident claimed by a
-- parallel call, a lockout failure recorded meanwhile, the call advanced by a duplicate webhook) fails the whole batch
-- through ps_expect, with SQLSTATE PS409, and the service takes the step again on fresh facts.
create or replace function ps_expect(ok boolean, what text) returns boolean
language plpgsql as $$
begin
    if ok is distinct from true then
        raise exception 'expected % to hold', what using errcode = 'PS409';
    end if;
    return true;
end
$$;
