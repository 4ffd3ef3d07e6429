-- Messages are promises (issue 11): a caller's recorded message (a `message` flow step) with the callback its prompt
-- promised. One message per call (the Record action and Twilio's recording status callback may come in either order,
-- and repeated: both upsert this row by call_sid).
create table messages (
    id                uuid primary key,
    call_sid          text not null references calls (call_sid),
    provider          text not null,
    from_number       text not null,
    account_id        uuid null references accounts (id),
    recording_sid     text null,
    recording_url     text null,
    duration_seconds  integer null check (duration_seconds >= 0),
    received_at       timestamptz not null,
    callback_id       uuid null references callbacks (id),
    quote_id          uuid null,
    status            text not null check (status in ('new', 'handled')),
    handled_at        timestamptz null,
    handled_by        text null,
    constraint messages_call_key unique (call_sid)
);
create index messages_status on messages (status, received_at);

-- A callback for technicians with a skill (a sales message: the policy's sales skill); null: any technician of the line.
alter table callbacks add column skill text null;

-- Quotes requested by phone: the caller asked, a technician or finance prices it, the caller gets it by SMS.
-- `requested` and `priced` have no amount yet / not sent yet; the SMS is claimed (sms_claimed_at) and its sid stored
-- in one row update each, so it goes out once whatever the concurrency.
alter table quotes drop constraint quotes_status_check;
alter table quotes add constraint quotes_status_check check (status in ('requested', 'priced', 'sent', 'accepted', 'expired'));
alter table quotes alter column estimated_minutes drop not null;
alter table quotes alter column amount drop not null;
alter table quotes
    add column phone_number   text null,
    add column priced_at      timestamptz null,
    add column priced_by      text null,
    add column sms_claimed_at timestamptz null,
    add column sms_sid        text null,
    add column sent_at        timestamptz null;
create unique index quotes_one_per_requesting_call on quotes (requested_call_sid) where created_by = 'phone';
alter table messages add constraint messages_quote_fk foreign key (quote_id) references quotes (id);
