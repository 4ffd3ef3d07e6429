-- Issue 11: providers and plans are whatever the loaded policy files say. The first migration named the two shipped
-- providers in a check constraint, so an account of a third provider (its policy and flow loaded) failed with a 500.
-- The admin API validates providers and plans against the loaded policies instead (400 naming the allowed values).
alter table accounts drop constraint if exists accounts_provider_check;
