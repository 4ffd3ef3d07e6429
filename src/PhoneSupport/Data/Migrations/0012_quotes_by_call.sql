-- Closing an incident looks up the quote its call accepted (quotes.call_sid): an index, not a scan of every quote.
create index quotes_call on quotes (call_sid) where call_sid is not null;
