using System.Globalization;
using System.Text;
using Npgsql;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Emulators.Twilio.Rest;

namespace PhoneSupport.Load;

/// <summary>The invariants, read back from the database (and the Twilio emulator's record of the calls it was asked to place).</summary>
public sealed record InvariantReport(
    long DoubleReservations, long ClaimsBeyondIncluded, long CallsWithTwoLiveClaims, long IncidentsCommittedTwice,
    long CallbacksDialledMoreThanAttempted, long CallbackDialsNotRecorded, long CallbackDialsRecordedNotMade, long CallbacksDialled, long StrayLegs, long StrayLegsAnswered, long ChargesTwice, long ChargesLost, string? ChargeNote)
{
    public bool Holds => DoubleReservations == 0 && ClaimsBeyondIncluded == 0 && CallsWithTwoLiveClaims == 0 && IncidentsCommittedTwice == 0
        && CallbacksDialledMoreThanAttempted == 0 && CallbackDialsNotRecorded == 0 && CallbackDialsRecordedNotMade == 0 && ChargesTwice == 0 && ChargesLost == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"""
        invariants (from the database)
          technician reserved while holding a call (unexpired)  {DoubleReservations}
          contract years claimed beyond included        {ClaimsBeyondIncluded}
          calls holding two live allowance claims       {CallsWithTwoLiveClaims}
          incidents committing the allowance twice      {IncidentsCommittedTwice}
          callbacks dialled (technician legs created)   {CallbacksDialled}
          callbacks kept twice (customer reached twice) {CallbacksDialledMoreThanAttempted}
          technician legs Twilio created that the service never recorded  {CallbackDialsNotRecorded}
          technician legs recorded that Twilio never created  {CallbackDialsRecordedNotMade}
          stray legs (late or repeated creates, hung up and never offered)  {StrayLegs}, answered before the hang-up {StrayLegsAnswered}
          charges posted twice                          {ChargesTwice}
          charges lost                                  {ChargesLost}{(ChargeNote is null ? "" : "  (" + ChargeNote + ")")}
          {(Holds ? "ALL INVARIANTS HOLD" : "INVARIANT VIOLATED")}
        """);
}

public static class Invariants
{
    /// <summary>Included after-hours incidents per Corporate contract year (ivr-flows/constellix.policy.yaml).</summary>
    public const int IncludedIncidents = 2;

    public static async Task<InvariantReport> CheckAsync(string connection, TwilioEmulator? twilio, StripeEmulator? stripe = null)
    {
        // A reservation right after another one, or after an accept, without a release in between; a reservation that
        // ran out (PhoneSupport:Routing:ReservationTimeout, 60 s: its call never came back, e.g. its instance was
        // killed) may be taken, by design.
        var doubles = await DataSet.ScalarAsync(connection, """
            select count(*) from (
              select kind, at, lag(kind) over w as previous, lag(at) over w as previous_at from technician_events
              window w as (partition by technician_id order by id)) e
            where kind = 'reserved' and (previous = 'accepted' or (previous = 'reserved' and at < previous_at + interval '60 seconds'))
            """);
        var beyond = await DataSet.ScalarAsync(connection, $"""
            select count(*) from (select contract_id, contract_year_start from allowance_uses where status <> 'released'
                                  group by 1, 2 having count(*) > {IncludedIncidents}) x
            """);
        var twoClaims = await DataSet.ScalarAsync(connection,
            "select count(*) from (select call_sid from allowance_uses where status <> 'released' group by 1 having count(*) > 1) x");
        var committedTwice = await DataSet.ScalarAsync(connection,
            "select count(*) from (select incident_id from allowance_uses where status = 'committed' group by 1 having count(*) > 1) x");

        long dialledMore = 0, notRecorded = 0, notMade = 0, dialled = 0, strays = 0, straysAnswered = 0;
        if (twilio is not null)
        {
            // Every technician leg Twilio created for a callback must be in the service's ledger (callback_legs), and every
            // leg in the ledger must exist at Twilio. Legs the ledger marks as strays were hung up and never offered.
            var created = twilio.Calls.Where(c => c.Url is not null && c.Url.Contains("cb=", StringComparison.Ordinal)).ToDictionary(c => c.Sid);
            dialled = created.Count;
            var ledger = await RowsAsync(connection, "select call_sid, stray::int, 0::bigint from callback_legs");
            var known = ledger.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            notRecorded = created.Keys.Count(sid => !known.Contains(sid));
            notMade = ledger.Count(l => !created.ContainsKey(l.Id));
            strays = ledger.Count(l => l.Attempts == 1); // the second column is the stray flag here
            straysAnswered = ledger.Count(l => l.Attempts == 1 && created.TryGetValue(l.Id, out var call) && call.Duration is > 0);
        }
        // A technician leg may be dialled again (declined, no answer, Twilio failed); the customer is reached once.
        dialledMore = await DataSet.ScalarAsync(connection,
            "select count(*) from (select call_sid from call_events where kind = 'callbackCompleted' group by 1 having count(*) > 1) x");

        var (twice, lost, note) = await ChargesAsync(connection, stripe);
        return new InvariantReport(doubles, beyond, twoClaims, committedTwice, dialledMore, notRecorded, notMade, dialled, strays, straysAnswered, twice, lost, note);
    }

    /// <summary>
    /// Charges, between the database and Stripe (the emulator's record): no charge has two invoice items at Stripe, no
    /// incident two live invoices; no charge is lost: every charge Stripe has is recorded with that item, every charge
    /// recorded as posted exists at Stripe, and none is left pending once its outbox job is done; a closed incident
    /// that consented to a price has its charges.
    /// </summary>
    private static async Task<(long Twice, long Lost, string? Note)> ChargesAsync(string connection, StripeEmulator? stripe)
    {
        var twice = await DataSet.ScalarAsync(connection,
            "select count(*) from (select incident_id, kind from charges group by 1, 2 having count(*) > 1) x");
        var lost = await DataSet.ScalarAsync(connection, """
            select count(*) from incidents i
             where i.status = 'closed' and i.decision = 'liveRouteWithPrice'
               and not exists (select 1 from charges c where c.incident_id = i.id)
            """);
        lost += await DataSet.ScalarAsync(connection, """
            select count(*) from charges c
             where c.status = 'pending' and c.amount > 0
               and exists (select 1 from billing_outbox j where c.id = any (j.charge_ids) and j.status = 'done')
            """);
        if (stripe is null) return (twice, lost, null);

        var items = stripe.InvoiceItems.Where(i => i.Metadata.ContainsKey("charge_id")).ToList();
        twice += items.GroupBy(i => i.Metadata["charge_id"]).Count(g => g.Count() > 1);
        twice += stripe.Invoices.Where(i => i.VoidedAt is null && i.Metadata.ContainsKey("incident_id"))
            .GroupBy(i => i.Metadata["incident_id"]).Count(g => g.Count() > 1);
        var recorded = new Dictionary<string, string?>();
        await using (var c = DataSet.Connection(connection))
        {
            await c.OpenAsync();
            await using var command = new NpgsqlCommand("select id::text, stripe_invoice_item_id from charges", c);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) recorded[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        var atStripe = items.GroupBy(i => i.Metadata["charge_id"], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        lost += items.Count(i => !recorded.TryGetValue(i.Metadata["charge_id"], out var id) || id != i.Id);
        lost += recorded.Count(r => r.Value is not null && !atStripe.ContainsKey(r.Key));
        var pending = await DataSet.ScalarAsync(connection, "select count(*) from charges where status = 'pending' and amount > 0");
        return (twice, lost, string.Create(CultureInfo.InvariantCulture,
            $"Stripe: {items.Count} invoice items, {stripe.Invoices.Count} invoices; charges still pending {pending}"));
    }

    public static async Task<string> TableAsync(string connection, string sql)
    {
        var text = new StringBuilder();
        await using var c = DataSet.Connection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            for (var i = 0; i < reader.FieldCount; i++) text.Append(i == 0 ? "    " : "  ").Append(reader.GetValue(i));
            text.AppendLine();
        }
        return text.ToString();
    }

    private static async Task<List<(string Id, int Attempts, long Events)>> RowsAsync(string connection, string sql)
    {
        var rows = new List<(string, int, long)>();
        await using var c = DataSet.Connection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)));
        return rows;
    }
}
