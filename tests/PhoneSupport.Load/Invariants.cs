using System.Globalization;
using System.Text;
using Npgsql;
using PhoneSupport.Emulators.Twilio.Rest;

namespace PhoneSupport.Load;

/// <summary>The invariants, read back from the database (and the Twilio emulator's record of the calls it was asked to place).</summary>
public sealed record InvariantReport(
    long DoubleReservations, long ClaimsBeyondIncluded, long CallsWithTwoLiveClaims, long IncidentsCommittedTwice,
    long CallbacksDialledMoreThanAttempted, long CallbackDialsNotRecorded, long CallbacksDialled, long ChargesTwice, long ChargesLost, string? ChargeNote)
{
    public bool Holds => DoubleReservations == 0 && ClaimsBeyondIncluded == 0 && CallsWithTwoLiveClaims == 0 && IncidentsCommittedTwice == 0
        && CallbacksDialledMoreThanAttempted == 0 && CallbackDialsNotRecorded == 0 && ChargesTwice == 0 && ChargesLost == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"""
        invariants (from the database)
          technician reserved while holding a call      {DoubleReservations}
          contract years claimed beyond included        {ClaimsBeyondIncluded}
          calls holding two live allowance claims       {CallsWithTwoLiveClaims}
          incidents committing the allowance twice      {IncidentsCommittedTwice}
          callbacks dialled (technician legs created)   {CallbacksDialled}
          callbacks kept twice (customer reached twice) {CallbacksDialledMoreThanAttempted}
          callback dials Twilio made but we did not record (or the reverse)  {CallbackDialsNotRecorded}
          charges posted twice                          {ChargesTwice}
          charges lost                                  {ChargesLost}{(ChargeNote is null ? "" : "  (" + ChargeNote + ")")}
          {(Holds ? "ALL INVARIANTS HOLD" : "INVARIANT VIOLATED")}
        """);
}

public static class Invariants
{
    /// <summary>Included after-hours incidents per Corporate contract year (ivr-flows/constellix.policy.yaml).</summary>
    public const int IncludedIncidents = 2;

    public static async Task<InvariantReport> CheckAsync(string connection, TwilioEmulator? twilio)
    {
        var doubles = await DataSet.ScalarAsync(connection, """
            select count(*) from (
              select kind, lag(kind) over (partition by technician_id order by id) as previous from technician_events) e
            where kind = 'reserved' and previous in ('reserved', 'accepted')
            """);
        var beyond = await DataSet.ScalarAsync(connection, $"""
            select count(*) from (select contract_id, contract_year_start from allowance_uses where status <> 'released'
                                  group by 1, 2 having count(*) > {IncludedIncidents}) x
            """);
        var twoClaims = await DataSet.ScalarAsync(connection,
            "select count(*) from (select call_sid from allowance_uses where status <> 'released' group by 1 having count(*) > 1) x");
        var committedTwice = await DataSet.ScalarAsync(connection,
            "select count(*) from (select incident_id from allowance_uses where status = 'committed' group by 1 having count(*) > 1) x");

        long dialledMore = 0, notRecorded = 0, dialled = 0;
        if (twilio is not null)
        {
            var created = twilio.Calls.Where(c => c.Url is not null && c.Url.Contains("cb=", StringComparison.Ordinal))
                .GroupBy(c => c.Url![(c.Url!.IndexOf("cb=", StringComparison.Ordinal) + 3)..][..32])
                .ToDictionary(g => g.Key, g => g.Count());
            dialled = created.Values.Sum();
            var recorded = await RowsAsync(connection, """
                select replace(c.id::text, '-', ''), c.attempts,
                       (select count(*) from call_events e where e.kind = 'callbackDialing' and e.call_sid = c.call_sid and (e.data->>'technicianId') is not null)
                  from callbacks c
                """);
            foreach (var (id, _, events) in recorded)
                if (created.GetValueOrDefault(id) != events) notRecorded++;
        }
        // A technician leg may be dialled again (declined, no answer, Twilio failed); the customer is reached once.
        dialledMore = await DataSet.ScalarAsync(connection,
            "select count(*) from (select call_sid from call_events where kind = 'callbackCompleted' group by 1 having count(*) > 1) x");

        var (twice, lost, note) = await ChargesAsync(connection);
        return new InvariantReport(doubles, beyond, twoClaims, committedTwice, dialledMore, notRecorded, dialled, twice, lost, note);
    }

    /// <summary>
    /// Charges: one per incident and kind (a unique key), and every closed incident priced beyond its included part
    /// has its charges. Posting to Stripe (outbox) is checked when the billing tables exist.
    /// </summary>
    private static async Task<(long Twice, long Lost, string? Note)> ChargesAsync(string connection)
    {
        var twice = await DataSet.ScalarAsync(connection,
            "select count(*) from (select incident_id, kind from charges group by 1, 2 having count(*) > 1) x");
        // A closed incident whose call consented to a price must have at least one charge.
        var lost = await DataSet.ScalarAsync(connection, """
            select count(*) from incidents i
             where i.status = 'closed' and i.decision = 'liveRouteWithPrice'
               and not exists (select 1 from charges c where c.incident_id = i.id)
            """);
        return (twice, lost, "pending charges in the database; Stripe posting checked once billing lands");
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
