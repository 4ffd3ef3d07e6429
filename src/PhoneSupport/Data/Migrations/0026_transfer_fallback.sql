-- Transfers never drop the caller (decision 013, "What happens when the colleague does not take the call"). When the
-- colleague declines, does not answer, is busy or the leg fails, the row records why (not_taken) and where the caller
-- went (fallback): back to the first technician (re-reserved under the transfer's key, ending their wrap-up) or, when
-- they cannot be, on in the call's flow as if no technician were free: the queue (queued) or the route step's unavailable
-- exit, a callback offer or a message (unavailable-exit); hung-up only when the call had already ended. fallback is set once, under the row's lock, so a repeated or late dial action
-- replays the recorded outcome instead of moving the caller twice.
alter table call_transfers
    add column not_taken text check (not_taken in ('declined', 'no-answer', 'busy', 'failed')),
    add column fallback text check (fallback in ('returned-to-first', 'queued', 'unavailable-exit', 'hung-up')),
    add column fallback_at timestamptz;

-- No new table: the service's role (0020) already has call_transfers (0021 and the default privileges of 0020).
