-- Closing an incident looks up the quote its call accepted (quotes.call_sid): an index, not a scan of every quote.
create index quotes_call on quotes (call_sid) where call_sid is not null;

-- Only status callbacks carry a dedupe key: a partial unique index (same name, so a repeated callback still fails on
-- call_events_dedupe_key_key) indexes those rows, not every event the IVR writes. On a large live table, build it
-- beforehand with CREATE UNIQUE INDEX CONCURRENTLY under another name and swap (docs/runbook.md).
alter table call_events drop constraint call_events_dedupe_key_key;
create unique index call_events_dedupe_key_key on call_events (dedupe_key) where dedupe_key is not null;
