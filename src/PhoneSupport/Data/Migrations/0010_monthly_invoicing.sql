-- 0010: plans that invoice monthly. Their charges are posted as pending invoice items (outbox kind 'item') as their
-- incidents close; after each calendar month (in the provider's zone) one 'month' job per Stripe customer puts that
-- month's items on one invoice. The unique index makes scheduling a month idempotent across instances.
alter table billing_outbox drop constraint billing_outbox_kind_check;
alter table billing_outbox add constraint billing_outbox_kind_check check (kind in ('invoice', 'undo', 'item', 'month'));
alter table billing_outbox add column stripe_customer_id text null, add column period text null;
create unique index billing_outbox_one_month on billing_outbox (stripe_customer_id, period) where kind = 'month';
alter table charges add column invoicing text not null default 'perIncident' check (invoicing in ('perIncident', 'monthly'));
alter table charges alter column invoicing drop default;
create index charges_monthly_uninvoiced on charges (created_at) where invoicing = 'monthly' and stripe_invoice_id is null;
