-- 0004: the priority queue. Callers hold in Twilio's <Enqueue>, but the order lives here: Premier,
-- Proctored and Corporate (priority 1) first, then severity, then arrival. When a technician frees up,
-- the queue dispatcher reserves them for the first caller and redirects that call through Twilio's REST API.
create table queue_entries (
    call_sid             text primary key references calls (call_sid),
    provider             text not null,
    priority             integer not null,
    severity             integer not null,
    on_call_only         boolean not null,
    enqueued_at          timestamptz not null,
    status               text not null check (status in ('waiting', 'connecting', 'connected', 'left')),
    technician_id        uuid null references technicians (id),
    callback_offered_at  timestamptz null,
    updated_at           timestamptz not null
);
create index queue_entries_order on queue_entries (provider, status, priority, severity, enqueued_at);
