#!/usr/bin/env bash
# Command one: runs PhoneSupport locally with demo data for both support lines.
# Starts its own PostgreSQL (.local/pg, port 55432), a Twilio REST emulator (127.0.0.1:5081, which plays
# the callback calls the service makes) and a Stripe emulator (127.0.0.1:5082, which invoices and charges the
# demo cards and sends signed events back), builds, migrates, loads the demo data and serves
# http://127.0.0.1:5080 in the Development environment. Ctrl-C stops everything.
# PHONESUPPORT_START_AT=2026-11-24T15:00:00Z starts the service clock at that instant (e.g. business hours).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/deploy/setup.sh"

port="${PHONESUPPORT_PORT:-5080}"
base="http://127.0.0.1:$port"
connection=$("$root/deploy/pg.sh" start)
echo "PostgreSQL: $connection"

dotnet build PhoneSupport.sln -c Release -nologo -v quiet -clp:ErrorsOnly

mkdir -p .local
cat > .local/dev.env <<ENV
export ConnectionStrings__PhoneSupport='$connection'
export PhoneSupport__PublicBaseUrl='$base'
export PhoneSupport__BootstrapAdminApiKey='dev-admin-key-change-me'
export Twilio__AccountSid='AC00000000000000000000000000000000'
export Twilio__AuthToken='dev-auth-token-0123456789abcdef'
export Twilio__ApiBaseUrl='http://127.0.0.1:5081'
export Stripe__SecretKey='sk_test_dev_emulator_key'
export Stripe__WebhookSecret='whsec_dev_emulator_secret'
export Stripe__ApiBaseUrl='http://127.0.0.1:5082'
export PhoneSupport__Billing__PostingDelay='00:00:10'
export PHONESUPPORT_URL='$base'
ENV
# shellcheck disable=SC1091
source .local/dev.env

cleanup() {
  [ -n "${service:-}" ] && kill "$service" 2>/dev/null && wait "$service" 2>/dev/null
  [ -n "${emulator:-}" ] && kill "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null
  [ -n "${stripe:-}" ] && kill "$stripe" 2>/dev/null && wait "$stripe" 2>/dev/null
  "$root/deploy/pg.sh" stop
}
trap cleanup EXIT INT TERM

dotnet src/PhoneSupport.Cli/bin/Release/net10.0/PhoneSupport.Cli.dll twilio-emulator --port 5081 > .local/twilio-emulator.log 2>&1 &
emulator=$!
dotnet src/PhoneSupport.Cli/bin/Release/net10.0/PhoneSupport.Cli.dll stripe-emulator --port 5082 --webhook-url "$base/stripe/webhook" > .local/stripe-emulator.log 2>&1 &
stripe=$!

# start_service <clock start instant, empty for now>
start_service() {
  ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$base" PhoneSupport__Clock__StartAt="$1" \
    dotnet src/PhoneSupport/bin/Release/net10.0/PhoneSupport.dll &
  service=$!
  for _ in $(seq 1 60); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$service" 2>/dev/null || { echo "The service stopped during start-up (see above)." >&2; exit 1; }
    sleep 1
  done
}
stop_service() { kill "$service" 2>/dev/null && wait "$service" 2>/dev/null; service=""; }

start_service "${PHONESUPPORT_START_AT:-}"
# Demo history, once, on an empty database: a few weeks of past calls, callbacks, incidents and charges played through the
# service's own webhooks by the simulator, its clock started that many weeks back and moved forward call by call; then the
# service starts again at the intended instant. PHONESUPPORT_DEMO_HISTORY_DAYS=0 skips it.
history_days="${PHONESUPPORT_DEMO_HISTORY_DAYS:-21}"
if [ "$history_days" -gt 0 ] && curl -fsS -H "Authorization: Bearer dev-admin-key-change-me" "$base/api/calls?limit=1" | grep -q '"items":\[\]'; then
  until_at=$(curl -fsS "$base/dev/clock" | sed -E 's/.*"now":"([^"]*)".*/\1/')
  from_at=$(date -u -d "$until_at - $history_days days" +%Y-%m-%dT%H:%M:%SZ)
  echo "Playing $history_days days of demo history ($from_at to $until_at)..."
  history_started=$(date +%s)
  stop_service
  start_service "$from_at"
  curl -fsS -X POST "$base/dev/demo-data" >/dev/null
  dotnet src/PhoneSupport.Cli/bin/Release/net10.0/PhoneSupport.Cli.dll demo-history --url "$base" --until "$until_at" > .local/demo-history.log 2>&1 ||
    echo "Some history calls failed: see .local/demo-history.log" >&2
  stop_service
  start_service "${PHONESUPPORT_START_AT:-}"
  echo "Demo history: $(tail -n 1 .local/demo-history.log) Start-up with history: $(( $(date +%s) - history_started )) s."
fi
demo=$(curl -fsS -X POST "$base/dev/demo-data")
# The demo staff users get new passwords at every start: print them (compact JSON, read without jq).
staff=$(printf '%s' "$demo" | grep -o '"userName":"[^"]*","role":"[^"]*","password":"[^"]*"' |
  sed -E 's/"userName":"([^"]*)","role":"([^"]*)","password":"([^"]*)"/  \2: user \1, password \3/' || true)
cat <<MSG

PhoneSupport is running on $base (Development, demo data loaded).
Web console: $base/  (sign in as)
$staff
Call it from another terminal:
  deploy/phonesupport call --digits "2,5550001#"                      # Constellix: press 2, contract 5550001
  deploy/phonesupport call --digits "3,1"                             # Constellix: membership, caller ID of Acme
  deploy/phonesupport call --to +41525550100 --digits "2,200002#,1"   # Constructor: Deutsch, customer, severity 1
  deploy/phonesupport call                                            # interactive: type the keys yourself
  deploy/phonesupport validate-flows ivr-flows                        # check the flow files
Callbacks are dialled through the Twilio emulator: see .local/twilio-emulator.log.
Charges are invoiced and paid through the Stripe emulator 10 s after an incident closes: watch
.local/stripe-emulator.log, then: curl -H "Authorization: Bearer dev-admin-key-change-me" $base/api/charges
The service clock: $(curl -fsS "$base/dev/clock"). Outside business hours the lines offer callbacks;
start at business hours with PHONESUPPORT_START_AT=<instant> deploy/run.sh.
Ctrl-C stops the service, the emulator and the database.
MSG
wait "$service"
