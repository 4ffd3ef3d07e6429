-- 0008: rate limits shared by every instance. A fixed-window counter per (scope, key, window start):
-- one statement (insert ... on conflict do update ... returning) counts a hit and answers the new count.
-- scope: 'caller' (Twilio From number, stored as a SHA-256 hex digest, never the number itself) or
-- 'api-key' (the key's id or name). Rows older than a few windows are deleted by the cleanup pass.
create table rate_limit_counters (
    scope         text not null,
    key           text not null,
    window_start  timestamptz not null,
    hits          integer not null,
    primary key (scope, key, window_start)
);
create index rate_limit_counters_window on rate_limit_counters (window_start);
