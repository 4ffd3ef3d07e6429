using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

[Collection(ServiceHostCollection.Name)]
public sealed class AccountTests(ServiceFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Create_Answers201WithLocation_AndTheSameShapeAsGet()
    {
        var number = TestAccounts.UniqueDigits(8);
        var phones = new[] { AdminApi.NewPhone(), AdminApi.NewPhone() };
        var tam = await CreateTechnicianAsync("constellix");

        var response = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constellix", name = "Initrode Corp", membership = "Corporate", accountNumber = number, phoneNumbers = phones,
            userNames = new[] { "peter.gibbons", "bill.lumbergh" }, stripeCustomerId = "cus_Test123", tamTechnicianId = tam,
        });

        var created = await AdminApi.ExpectAsync(response, HttpStatusCode.Created);
        var id = (string)created["id"]!;
        Assert.Equal($"/api/accounts/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(number, (string?)created["accountNumber"]);
        Assert.Equal(phones.Order(StringComparer.Ordinal), created["phoneNumbers"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(["bill.lumbergh", "peter.gibbons"], created["userNames"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("cus_Test123", (string?)created["stripeCustomerId"]);
        Assert.Equal(tam.ToString(), (string?)created["tamTechnicianId"]);
        Assert.Empty(created["contracts"]!.AsArray());
        Assert.Equal("2026.11.1", (string?)created["entitlementsNow"]!["policyVersion"]);
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, read), $"POST {created.ToJsonString()}\nGET  {read.ToJsonString()}");
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from account_user_names where account_id = $1", Guid.Parse(id)));
    }

    [Fact]
    public async Task Create_WithATamWhoDoesNotServeTheProvider_Is400()
    {
        var tam = await CreateTechnicianAsync("constructor");

        var response = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constellix", name = "X", membership = "Corporate", accountNumber = TestAccounts.UniqueDigits(), phoneNumbers = Array.Empty<string>(), tamTechnicianId = tam,
        });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("serves constellix", AdminApi.Errors(problem, "tamTechnicianId"));
    }

    [Theory]
    [InlineData("""{ "provider": 5 }""", "provider")]
    [InlineData("""{ "provider": "constellix", "phoneNumbers": [1] }""", "phoneNumbers")]
    [InlineData("""{{{""", "body")]
    [InlineData("""[]""", "body")]
    [InlineData("", "body")]
    public async Task Create_WithABodyThatIsNotTheJsonShape_Is400NamingTheField(string json, string field)
    {
        var response = await _api.Admin.PostAsync("/api/accounts", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(AdminApi.Errors(problem, field));
        Assert.DoesNotContain("Exception", problem.ToJsonString());
        Assert.DoesNotContain(AdminApi.BootstrapKey, problem.ToJsonString());
    }

    [Fact]
    public async Task Create_WithABodyThatIsNotJson_Is415()
    {
        var response = await _api.Admin.PostAsync("/api/accounts", new StringContent("provider=constellix", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        await AdminApi.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Create_WithBadFields_Is400WithAnErrorsMapPerField()
    {
        var response = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constellix", name = "", membership = "Premier", accountNumber = "12", phoneNumbers = new[] { "17035550100", "+1555123" },
        });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("'Premier' is not a constellix plan; one of: Corporate, Business, SmallBusiness", AdminApi.Errors(problem, "membership"));
        Assert.Contains("'17035550100' is not an E.164 number", AdminApi.Errors(problem, "phoneNumbers"));
        Assert.DoesNotContain("+1555123", AdminApi.Errors(problem, "phoneNumbers"));
        Assert.Contains("4 to 12 digits", AdminApi.Errors(problem, "accountNumber"));
        Assert.Contains("Required", AdminApi.Errors(problem, "name"));
    }

    [Theory]
    [InlineData("constructor", "Corporate", "membership")]
    [InlineData("constellix", "Proctored", "membership")]
    [InlineData("acme", "Standard", "provider")]
    public async Task Create_WithAPlanOfAnotherProvider_Is400(string provider, string membership, string field)
    {
        var response = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider, name = "X", membership, accountNumber = TestAccounts.UniqueDigits(), phoneNumbers = Array.Empty<string>(),
        });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(AdminApi.Errors(problem, field));
    }

    [Fact]
    public async Task Create_DuplicateAccountNumberOrPhoneForTheProvider_Is409NamingTheField()
    {
        var first = await _api.CreateAccountAsync("constructor", "Standard");
        var phone = (string)first["phoneNumbers"]![0]!;

        var sameNumber = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constructor", name = "Copy", membership = "Premier", accountNumber = (string)first["accountNumber"]!, phoneNumbers = Array.Empty<string>(),
        });
        var samePhone = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constructor", name = "Copy", membership = "Premier", accountNumber = TestAccounts.UniqueDigits(), phoneNumbers = new[] { AdminApi.NewPhone(), phone },
        });
        var otherProvider = await _api.Admin.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constellix", name = "Same number elsewhere", membership = "Business", accountNumber = (string)first["accountNumber"]!, phoneNumbers = new[] { phone },
        });

        Assert.Contains("already used", AdminApi.Errors(await AdminApi.ProblemAsync(sameNumber, HttpStatusCode.Conflict), "accountNumber"));
        Assert.Equal($"Already registered to another constructor account: {phone}.",
            AdminApi.Errors(await AdminApi.ProblemAsync(samePhone, HttpStatusCode.Conflict), "phoneNumbers"));
        await AdminApi.ExpectAsync(otherProvider, HttpStatusCode.Created);
    }

    [Fact]
    public async Task List_PagesThroughEveryAccountOnceWithTheCursor()
    {
        var mine = new List<string>();
        for (var i = 0; i < 3; i++) mine.Add((string)(await _api.CreateAccountAsync("constructor", "Premier"))["id"]!);

        var all = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/accounts?provider=constructor&limit=500"), HttpStatusCode.OK);
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts?provider=constructor&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}"), HttpStatusCode.OK);
            Assert.InRange(page["items"]!.AsArray().Count, 1, 2);
            paged.AddRange(page["items"]!.AsArray().Select(a => (string)a!["id"]!));
            cursor = (string?)page["next"];
        } while (cursor is not null);

        Assert.Null((string?)all["next"]);
        Assert.Equal(all["items"]!.AsArray().Select(a => (string)a!["id"]!), paged);
        Assert.Equal(paged.Count, paged.Distinct().Count());
        Assert.Subset(paged.ToHashSet(), mine.ToHashSet());
        Assert.All(all["items"]!.AsArray(), a => Assert.Equal("constructor", (string?)a!["provider"]));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=not-ours", "cursor")]
    public async Task List_WithABadLimitOrCursor_Is400(string query, string field)
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/accounts?{query}"), HttpStatusCode.BadRequest);

        Assert.NotEmpty(AdminApi.Errors(problem, field));
    }

    [Fact]
    public async Task Get_AnUnknownAccount_Is404Problem()
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/accounts/{Guid.NewGuid()}"), HttpStatusCode.NotFound);

        Assert.StartsWith("No account", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Premier_Saturday0200Zurich_Severity1IsLiveAroundTheClock_Severity2IsACallback()
    {
        var account = await _api.CreateAccountAsync("constructor", "Premier");
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 11, 2, 0)).ToInstant());

        var sev1 = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{account["id"]}"), HttpStatusCode.OK);
        var sev2 = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{account["id"]}?severity=2"), HttpStatusCode.OK);

        Assert.Equal("liveRoute", (string?)sev1["entitlementsNow"]!["decision"]);
        Assert.Equal(1, (int?)sev1["entitlementsNow"]!["severity"]);
        Assert.Equal("24x7", (string?)sev1["entitlementsNow"]!["clock"]);
        Assert.Equal("2026-07-11T00:15:00Z", (string?)sev1["entitlementsNow"]!["callbackDueAt"]);
        Assert.Equal("2026-07-11T02:00:00", (string?)sev1["entitlementsNow"]!["localTime"]);
        Assert.Equal("callback", (string?)sev2["entitlementsNow"]!["decision"]);
        Assert.Equal("weekend", (string?)sev2["entitlementsNow"]!["window"]);
        Assert.Equal("coverage", (string?)sev2["entitlementsNow"]!["clock"]);
        await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/accounts/{account["id"]}?severity=5"), HttpStatusCode.BadRequest);
    }

    private async Task<Guid> CreateTechnicianAsync(string provider)
    {
        var id = Guid.NewGuid();
        await fixture.ScalarAsync<int>(
            """
            insert into technicians (id, name, phone_number, providers, skills, status, status_since, created_at, version)
            values ($1, 'Test TAM', $2, array[$3], '{}', 'offline', now(), now(), 0) returning 1
            """,
            id, "+1444" + TestAccounts.UniqueDigits(7), provider);
        return id;
    }

    [Fact]
    public async Task ExamSession_ForAProctoredAccount_Is201AndMakesTheNightLive()
    {
        var account = await _api.CreateAccountAsync("constructor", "Proctored");
        var id = (string)account["id"]!;
        fixture.Clock.Set(Instant.FromUtc(2026, 7, 8, 22, 0)); // Thursday 00:00 Zurich: night

        var before = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{id}"), HttpStatusCode.OK);
        var response = await _api.Admin.PostAsJsonAsync($"/api/accounts/{id}/exam-sessions", new { start = "2026-07-08T21:00:00Z", end = "2026-07-09T01:00:00Z" });
        var session = await AdminApi.ExpectAsync(response, HttpStatusCode.Created);
        var after = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{id}"), HttpStatusCode.OK);

        Assert.Equal("callback", (string?)before["entitlementsNow"]!["decision"]);
        Assert.Equal("2026-07-08T21:00:00Z", (string?)session["start"]);
        Assert.Equal("2026-07-09T01:00:00Z", (string?)session["end"]);
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(session, read));
        Assert.True(JsonNode.DeepEquals(session, after["examSessions"]![0]));
        Assert.Equal("liveRoute", (string?)after["entitlementsNow"]!["decision"]);
        Assert.Equal("night", (string?)after["entitlementsNow"]!["window"]);
        Assert.Equal("2026-07-08T22:15:00Z", (string?)after["entitlementsNow"]!["callbackDueAt"]);
    }

    [Fact]
    public async Task ExamSession_ForAStandardAccount_Is400WithTheReason()
    {
        var account = await _api.CreateAccountAsync("constructor", "Standard");

        var response = await _api.Admin.PostAsJsonAsync($"/api/accounts/{account["id"]}/exam-sessions", new { start = "2026-07-08T21:00:00Z", end = "2026-07-09T01:00:00Z" });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("Proctored", AdminApi.Errors(problem, "membership"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from exam_sessions where account_id = $1", Guid.Parse((string)account["id"]!)));
    }

    [Theory]
    [InlineData("2026-07-09T01:00:00Z", "2026-07-08T21:00:00Z", "end")]
    [InlineData("2026-07-08T21:00:00Z", "2026-07-08T21:00:00Z", "end")]
    [InlineData("2026-07-08 21:00", "2026-07-09T01:00:00Z", "start")]
    [InlineData("2026-07-08T23:00:00+02:00", "2026-07-09T01:00:00Z", "start")]
    public async Task ExamSession_WithBadInstants_Is400(string start, string end, string field)
    {
        var account = await _api.CreateAccountAsync("constructor", "Proctored");

        var response = await _api.Admin.PostAsJsonAsync($"/api/accounts/{account["id"]}/exam-sessions", new { start, end });

        Assert.NotEmpty(AdminApi.Errors(await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest), field));
    }
}
