using System.Net;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary>
/// <c>GET /api/callbacks</c>: promises inserted as the scheduler stores them. They are due decades ahead (after every other
/// test's), so the dispatcher never takes them; the open ones are cancelled when the test ends.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallbackApiTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);
    private readonly List<Guid> _inserted = [];
    private readonly Instant _base = Instant.FromUtc(2090, 1, 1, 0, 0) + Duration.FromMinutes(Random.Shared.Next(0, 5_000_000));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await fixture.ScalarAsync<int>(
            "with c as (update callbacks set status = 'cancelled' where id = any($1) and status in ('scheduled', 'dialing') returning 1) select count(*)::int from c",
            _inserted.ToArray());
        await _api.DisposeAsync();
    }

    private static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    private async Task<(Guid Id, string CallSid)> InsertAsync(string status, Duration dueIn, Guid? accountId = null, bool atRisk = false, Guid? technicianId = null)
    {
        var (id, callSid, due) = (Guid.CreateVersion7(), TwilioWebhooks.NewCallSid(), _base + dueIn);
        await fixture.ScalarAsync<int>(
            """
            insert into callbacks (id, provider, account_id, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only, status,
                                   attempts, next_attempt_at, at_risk, escalated_at, technician_id, created_at, updated_at, version)
            values ($1, 'constellix', $2, $3, '+15550009999', 'membership', 2, $4, $5, true, $6, 1, $5, $7, $8, $9, $10, $10, 0) returning 1
            """,
            id, (object?)accountId ?? DBNull.Value, callSid, due.ToDateTimeUtc(), (due - Duration.FromHours(1)).ToDateTimeUtc(), status, atRisk,
            atRisk ? (due - Duration.FromMinutes(15)).ToDateTimeUtc() : (object)DBNull.Value, (object?)technicianId ?? DBNull.Value, _base.ToDateTimeUtc());
        _inserted.Add(id);
        return (id, callSid);
    }

    /// <summary>Every item of the listing, page by page.</summary>
    private async Task<List<JsonObject>> WalkAsync(string query, int limit = 500)
    {
        var items = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/callbacks?{query}&limit={limit}{(cursor is null ? "" : "&cursor=" + cursor)}"), HttpStatusCode.OK);
            items.AddRange(page["items"]!.AsArray().Select(i => i!.AsObject()));
            cursor = (string?)page["next"];
        } while (cursor is not null);
        return items;
    }

    [Fact]
    public async Task List_FilteredByStatus_AnswersOnlyThatStatus_InDueOrder()
    {
        var later = await InsertAsync("scheduled", Duration.FromHours(2));
        var sooner = await InsertAsync("scheduled", Duration.FromHours(1));
        var done = await InsertAsync("completed", Duration.FromMinutes(30));

        var scheduled = await WalkAsync("status=scheduled");
        var completed = await WalkAsync("status=completed");
        var all = await WalkAsync("status=");

        Assert.All(scheduled, c => Assert.Equal("scheduled", (string?)c["status"]));
        var ids = scheduled.Select(c => Guid.Parse((string)c["id"]!)).ToList();
        Assert.InRange(ids.IndexOf(sooner.Id), 0, ids.IndexOf(later.Id) - 1);
        Assert.DoesNotContain(done.Id, ids);
        Assert.Contains(completed, c => (string?)c["id"] == done.Id.ToString());
        Assert.Subset(all.Select(c => Guid.Parse((string)c["id"]!)).ToHashSet(), new HashSet<Guid> { later.Id, sooner.Id, done.Id });
        var dues = all.Select(c => InstantPattern.ExtendedIso.Parse((string)c["dueAt"]!).Value).ToList();
        Assert.Equal(dues.Order(), dues);
    }

    [Fact]
    public async Task Item_HasThePromiseTheNumberAndTheCall_AndGetAnswersTheSame()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Business");
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix", available: false);
        var (id, callSid) = await InsertAsync("dialing", Duration.FromHours(3), account.AccountId, atRisk: true, technician.Id);
        var due = _base + Duration.FromHours(3);

        var item = (await WalkAsync("status=dialing")).Single(c => (string?)c["id"] == id.ToString());
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/callbacks/{id}"), HttpStatusCode.OK);

        Assert.True(JsonNode.DeepEquals(item, read), $"list {item.ToJsonString()}\nGET  {read.ToJsonString()}");
        Assert.Equal("constellix", (string?)item["provider"]);
        Assert.Equal(account.AccountId.ToString(), (string?)item["accountId"]);
        Assert.Equal(Format(due), (string?)item["dueAt"]);
        Assert.Equal(Format(due - Duration.FromHours(1)), (string?)item["notBefore"]);
        Assert.True((bool)item["atRisk"]!);
        Assert.Equal(Format(due - Duration.FromMinutes(15)), (string?)item["escalatedAt"]);
        Assert.Equal(1, (int)item["attempts"]!);
        Assert.Equal(Format(due - Duration.FromHours(1)), (string?)item["nextAttemptAt"]);
        Assert.Equal("+15550009999", (string?)item["phoneNumber"]);
        Assert.Equal(callSid, (string?)item["callSid"]);
        Assert.Equal(technician.Id.ToString(), (string?)item["technicianId"]);
        Assert.Equal("membership", (string?)item["reason"]);
        Assert.Equal(Format(_base), (string?)item["createdAt"]);
    }

    [Fact]
    public async Task List_PagesThroughEveryCallbackOnceWithTheCursor()
    {
        var mine = new HashSet<Guid>();
        foreach (var minutes in new[] { 5, 5, 5, 1 }) mine.Add((await InsertAsync("missed", Duration.FromMinutes(minutes))).Id);

        var whole = await WalkAsync("status=missed");
        var paged = await WalkAsync("status=missed", limit: 2);

        Assert.Equal(whole.Select(c => (string)c["id"]!), paged.Select(c => (string)c["id"]!));
        Assert.Equal(paged.Count, paged.Select(c => (string)c["id"]!).Distinct().Count());
        Assert.Subset(paged.Select(c => Guid.Parse((string)c["id"]!)).ToHashSet(), mine);
    }

    [Theory]
    [InlineData("status=pending", "status")]
    [InlineData("status=Scheduled", "status")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=not-ours", "cursor")]
    public async Task List_WithABadStatusLimitOrCursor_Is400(string query, string field)
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/callbacks?{query}"), HttpStatusCode.BadRequest);

        Assert.NotEmpty(AdminApi.Errors(problem, field));
        if (field == "status") Assert.Contains("scheduled, dialing, completed, missed, cancelled", AdminApi.Errors(problem, field));
    }

    [Fact]
    public async Task TechnicianKeyReads_NoKeyIs401_UnknownCallbackIs404()
    {
        var (key, _) = await _api.CreateKeyAsync("technician");

        Assert.Equal(HttpStatusCode.OK, (await _api.Client(key).GetAsync("/api/callbacks?status=scheduled&limit=1")).StatusCode);
        await AdminApi.ProblemAsync(await _api.Client(null).GetAsync("/api/callbacks"), HttpStatusCode.Unauthorized);
        await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/callbacks/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }
}
