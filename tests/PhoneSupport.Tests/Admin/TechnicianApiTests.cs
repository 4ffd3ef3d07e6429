using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary>Technicians through the admin API: provisioning, availability (with its events and guards) and the on-call rota.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class TechnicianApiTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private Instant Now => fixture.Clock.GetCurrentInstant();

    private static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    private async Task<JsonObject> CreateAsync(string provider = "constellix", string[]? skills = null) =>
        await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = "Test Technician", phoneNumber = AdminApi.NewPhone(), providers = new[] { provider }, skills = skills ?? [],
        }), HttpStatusCode.Created);

    private static Task<HttpResponseMessage> SetAvailabilityAsync(HttpClient client, JsonObject technician, string status) =>
        client.PutAsJsonAsync($"/api/technicians/{technician["id"]}/availability", new { status });

    private async Task<JsonObject> GetAsync(JsonObject technician) =>
        await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/technicians/{technician["id"]}"), HttpStatusCode.OK);

    /// <summary>Puts the technician into a state only routing sets (reserved, busy, wrapUp).</summary>
    private Task SetStateAsync(JsonObject technician, string status, Instant since, string? callSid = null, Instant? reservedUntil = null) =>
        fixture.ScalarAsync<int>(
            "update technicians set status = $2, status_since = $3, reserved_call_sid = $4, reserved_until = $5, version = version + 1 where id = $1 returning 1",
            Guid.Parse((string)technician["id"]!), status, since.ToDateTimeUtc(), (object?)callSid ?? DBNull.Value, (object?)reservedUntil?.ToDateTimeUtc() ?? DBNull.Value);

    private Task<long> EventsAsync(JsonObject technician, string kind) =>
        fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = $2", Guid.Parse((string)technician["id"]!), kind);

    [Fact]
    public async Task Create_Answers201WithLocation_OfflineAtFirst_AndTheSameShapeAsGet()
    {
        var phone = AdminApi.NewPhone();

        var response = await _api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = "  Ada Lovelace ", phoneNumber = phone, providers = new[] { "constellix", "constructor" }, skills = new[] { "sales", " dns" },
        });

        var created = await AdminApi.ExpectAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/technicians/{created["id"]}", response.Headers.Location?.OriginalString);
        Assert.Equal("Ada Lovelace", (string?)created["name"]);
        Assert.Equal(phone, (string?)created["phoneNumber"]);
        Assert.Equal(["constellix", "constructor"], created["providers"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(["sales", "dns"], created["skills"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("offline", (string?)created["status"]);
        Assert.Equal(Format(Now), (string?)created["statusSince"]);
        Assert.Null((string?)created["reservedCallSid"]);
        Assert.False((bool)created["onCallNow"]!);
        Assert.Empty(created["onCall"]!.AsArray());
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, read), $"POST {created.ToJsonString()}\nGET  {read.ToJsonString()}");
    }

    [Fact]
    public async Task Create_WithBadFields_Is400WithAnErrorsMapPerField()
    {
        var response = await _api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = " ", phoneNumber = "0041445550100", providers = new[] { "constellix", "acme", "constellix" }, skills = new[] { "sales", "", "sales" },
        });
        var noProviders = await _api.Admin.PostAsJsonAsync("/api/technicians", new { name = "X", phoneNumber = AdminApi.NewPhone(), providers = Array.Empty<string>() });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("Required", AdminApi.Errors(problem, "name"));
        Assert.Contains("'0041445550100' is not an E.164 number", AdminApi.Errors(problem, "phoneNumber"));
        Assert.Contains("'acme' is not a provider with a loaded policy", AdminApi.Errors(problem, "providers"));
        Assert.Contains("'constellix' is listed more than once", AdminApi.Errors(problem, "providers"));
        Assert.Contains("1 to 50 characters", AdminApi.Errors(problem, "skills"));
        Assert.Contains("'sales' is listed more than once", AdminApi.Errors(problem, "skills"));
        Assert.Contains("Required", AdminApi.Errors(await AdminApi.ProblemAsync(noProviders, HttpStatusCode.BadRequest), "providers"));
    }

    [Fact]
    public async Task Create_WithAPhoneNumberAnotherTechnicianHas_Is409()
    {
        var first = await CreateAsync("constellix");

        var response = await _api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = "Copy", phoneNumber = (string)first["phoneNumber"]!, providers = new[] { "constructor" },
        });

        Assert.Contains("already the number of another technician", AdminApi.Errors(await AdminApi.ProblemAsync(response, HttpStatusCode.Conflict), "phoneNumber"));
    }

    [Fact]
    public async Task Availability_OfflineAvailableOffline_WritesAnEventPerChangeWithWhoMadeIt()
    {
        var technician = await CreateAsync();
        var (key, created) = await _api.CreateKeyAsync("technician", (string)technician["id"]!);
        var self = _api.Client(key);
        fixture.Clock.Advance(Duration.FromMinutes(5));

        var available = await AdminApi.ExpectAsync(await SetAvailabilityAsync(self, technician, "available"), HttpStatusCode.OK);
        var again = await AdminApi.ExpectAsync(await SetAvailabilityAsync(self, technician, "available"), HttpStatusCode.OK);
        fixture.Clock.Advance(Duration.FromMinutes(5));
        var offline = await AdminApi.ExpectAsync(await SetAvailabilityAsync(_api.Admin, technician, "offline"), HttpStatusCode.OK);

        Assert.Equal("available", (string?)available["status"]);
        Assert.Equal(Format(Now - Duration.FromMinutes(5)), (string?)available["statusSince"]);
        Assert.True(JsonNode.DeepEquals(available, again));
        Assert.Equal("offline", (string?)offline["status"]);
        Assert.True(JsonNode.DeepEquals(offline, await GetAsync(technician)));
        Assert.Equal(2L, await EventsAsync(technician, "availability"));
        var id = Guid.Parse((string)technician["id"]!);
        Assert.Equal("offline>available technician " + (string)created["id"]!, await fixture.ScalarAsync<string>(
            "select concat(data->>'from', '>', data->>'to', ' ', data->'by'->>'role', ' ', data->'by'->>'apiKeyId') from technician_events where technician_id = $1 and kind = 'availability' order by id limit 1", id));
        Assert.Equal("available>offline admin bootstrap", await fixture.ScalarAsync<string>(
            "select concat(data->>'from', '>', data->>'to', ' ', data->'by'->>'role', ' ', data->'by'->>'name') from technician_events where technician_id = $1 and kind = 'availability' order by id desc limit 1", id));
    }

    [Theory]
    [InlineData("busy")]
    [InlineData("reserved")]
    public async Task Availability_OfflineDuringACall_Is409_AndTheCallIsKept(string status)
    {
        var technician = await CreateAsync();
        var callSid = TwilioWebhooks.NewCallSid();
        await SetStateAsync(technician, status, Now, callSid, status == "reserved" ? Now + Duration.FromSeconds(60) : null);

        var problem = await AdminApi.ProblemAsync(await SetAvailabilityAsync(_api.Admin, technician, "offline"), HttpStatusCode.Conflict);
        var available = await AdminApi.ExpectAsync(await SetAvailabilityAsync(_api.Admin, technician, "available"), HttpStatusCode.OK);

        Assert.Contains("goes offline after it ends", AdminApi.Errors(problem, "status"));
        Assert.Equal(status, (string?)available["status"]);
        Assert.Equal(callSid, (string?)available["reservedCallSid"]);
        Assert.Equal(0L, await EventsAsync(technician, "availability"));
    }

    [Fact]
    public async Task ExpiredWrapUpAndReservation_ReadAsAvailable_AndMayGoOffline()
    {
        var wrapping = await CreateAsync();
        var wrapped = await CreateAsync();
        var expired = await CreateAsync();
        await SetStateAsync(wrapping, "wrapUp", Now - Duration.FromSeconds(10));
        await SetStateAsync(wrapped, "wrapUp", Now - Duration.FromSeconds(45));
        await SetStateAsync(expired, "reserved", Now - Duration.FromMinutes(2), TwilioWebhooks.NewCallSid(), Now - Duration.FromMinutes(1));

        Assert.Equal("wrapUp", (string?)(await GetAsync(wrapping))["status"]);
        var afterWrapUp = await GetAsync(wrapped);
        Assert.Equal("available", (string?)afterWrapUp["status"]);
        Assert.Equal(Format(Now - Duration.FromSeconds(15)), (string?)afterWrapUp["statusSince"]);
        var afterReservation = await GetAsync(expired);
        Assert.Equal("available", (string?)afterReservation["status"]);
        Assert.Null((string?)afterReservation["reservedCallSid"]);

        var offline = await AdminApi.ExpectAsync(await SetAvailabilityAsync(_api.Admin, expired, "offline"), HttpStatusCode.OK);
        Assert.Equal("offline", (string?)offline["status"]);
        Assert.Null(await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", Guid.Parse((string)expired["id"]!)));
    }

    [Fact]
    public async Task Availability_ByRoleAndValue_FinanceIs403_UnknownStatusIs400_UnknownTechnicianIs404()
    {
        var technician = await CreateAsync();
        var (financeKey, _) = await _api.CreateKeyAsync("finance");

        await AdminApi.ProblemAsync(await SetAvailabilityAsync(_api.Client(financeKey), technician, "available"), HttpStatusCode.Forbidden);
        var busy = await AdminApi.ProblemAsync(await SetAvailabilityAsync(_api.Admin, technician, "busy"), HttpStatusCode.BadRequest);
        await AdminApi.ProblemAsync(await _api.Admin.PutAsJsonAsync($"/api/technicians/{Guid.NewGuid()}/availability", new { status = "available" }), HttpStatusCode.NotFound);
        await AdminApi.ProblemAsync(await _api.Admin.GetAsync("/api/technicians/not-an-id"), HttpStatusCode.NotFound);

        Assert.Contains("one of: available, offline", AdminApi.Errors(busy, "status"));
        Assert.Equal("offline", (string?)(await GetAsync(technician))["status"]);
        Assert.Equal(0L, await EventsAsync(technician, "availability"));
    }

    [Fact]
    public async Task OnCall_ReplacesTheRota_OldWindowsGone_PastWindowsNotListed()
    {
        var technician = await CreateAsync();
        var (past, current, next) = (Now - Duration.FromDays(2), Now - Duration.FromHours(1), Now + Duration.FromDays(3));
        var url = $"/api/technicians/{technician["id"]}/on-call";

        var first = await AdminApi.ExpectAsync(await _api.Admin.PutAsJsonAsync(url, new
        {
            windows = new[]
            {
                new { start = Format(next), end = Format(next + Duration.FromHours(12)) },
                new { start = Format(past), end = Format(past + Duration.FromHours(12)) },
                new { start = Format(current), end = Format(current + Duration.FromHours(8)) },
            },
        }), HttpStatusCode.OK);
        var second = await AdminApi.ExpectAsync(await _api.Admin.PutAsJsonAsync(url, new
        {
            windows = new[] { new { start = Format(next + Duration.FromDays(7)), end = Format(next + Duration.FromDays(8)) } },
        }), HttpStatusCode.OK);

        Assert.True((bool)first["onCallNow"]!);
        Assert.Equal([Format(current), Format(next)], first["onCall"]!.AsArray().Select(w => (string)w!["start"]!));
        Assert.False((bool)second["onCallNow"]!);
        Assert.Equal(Format(next + Duration.FromDays(8)), (string?)second["onCall"]!.AsArray().Single()!["end"]);
        Assert.True(JsonNode.DeepEquals(second, await GetAsync(technician)));
        var id = Guid.Parse((string)technician["id"]!);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technician_on_call where technician_id = $1", id));
        Assert.Equal(2L, await EventsAsync(technician, "onCall"));
        Assert.Equal(3, await fixture.ScalarAsync<int>(
            "select jsonb_array_length(data->'from') from technician_events where technician_id = $1 and kind = 'onCall' order by id desc limit 1", id));
    }

    [Fact]
    public async Task OnCall_WithBadWindows_Is400_AndKeepsTheRota()
    {
        var technician = await CreateAsync();
        var url = $"/api/technicians/{technician["id"]}/on-call";
        var start = Now + Duration.FromDays(1);
        await AdminApi.ExpectAsync(await _api.Admin.PutAsJsonAsync(url, new { windows = new[] { new { start = Format(start), end = Format(start + Duration.FromHours(1)) } } }), HttpStatusCode.OK);

        var overlap = await _api.Admin.PutAsJsonAsync(url, new
        {
            windows = new[]
            {
                new { start = Format(start), end = Format(start + Duration.FromHours(10)) },
                new { start = Format(start + Duration.FromHours(9)), end = Format(start + Duration.FromHours(12)) },
            },
        });
        var bad = await _api.Admin.PutAsJsonAsync(url, new
        {
            windows = new[] { new { start = Format(start), end = Format(start) }, new { start = "tomorrow", end = Format(start) } },
        });
        var missing = await _api.Admin.PutAsJsonAsync(url, new { });

        Assert.Contains("overlap", AdminApi.Errors(await AdminApi.ProblemAsync(overlap, HttpStatusCode.BadRequest), "windows"));
        var problem = await AdminApi.ProblemAsync(bad, HttpStatusCode.BadRequest);
        Assert.Contains("end after it starts", AdminApi.Errors(problem, "windows[0].end"));
        Assert.Contains("'tomorrow' is not an ISO-8601 UTC instant", AdminApi.Errors(problem, "windows[1].start"));
        Assert.Contains("Required", AdminApi.Errors(await AdminApi.ProblemAsync(missing, HttpStatusCode.BadRequest), "windows"));
        Assert.Single((await GetAsync(technician))["onCall"]!.AsArray());
        Assert.Equal(1L, await EventsAsync(technician, "onCall"));
    }

    [Fact]
    public async Task List_ByProvider_PagesThroughWithTheCursor_AndShowsTheCurrentState()
    {
        var mine = new List<string>();
        for (var i = 0; i < 3; i++) mine.Add((string)(await CreateAsync("constructor"))["id"]!);
        await AdminApi.ExpectAsync(await SetAvailabilityAsync(_api.Admin, new JsonObject { ["id"] = mine[0] }, "available"), HttpStatusCode.OK);

        var all = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/technicians?provider=constructor&limit=500"), HttpStatusCode.OK);
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/technicians?provider=constructor&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}"), HttpStatusCode.OK);
            paged.AddRange(page["items"]!.AsArray().Select(t => (string)t!["id"]!));
            cursor = (string?)page["next"];
        } while (cursor is not null);

        Assert.Equal(all["items"]!.AsArray().Select(t => (string)t!["id"]!), paged);
        Assert.Subset(paged.ToHashSet(), mine.ToHashSet());
        Assert.All(all["items"]!.AsArray(), t => Assert.Contains("constructor", t!["providers"]!.AsArray().Select(p => (string)p!)));
        Assert.Equal("available", (string?)all["items"]!.AsArray().Single(t => (string)t!["id"]! == mine[0])!["status"]);
        Assert.NotEmpty(AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.GetAsync("/api/technicians?provider=acme"), HttpStatusCode.BadRequest), "provider"));
    }

    [Fact]
    public async Task DemoData_HasTheFourTechnicians_MarcoIsAlpenbanksTam_AndLoadingAgainAddsNone()
    {
        var again = await AdminApi.ExpectAsync(await _api.Admin.PostAsync("/dev/demo-data", null), HttpStatusCode.OK);

        Assert.DoesNotContain(again["added"]!.AsArray(), a => ((string)a!).StartsWith("technician", StringComparison.Ordinal));
        Assert.Equal("constellix dns,sales|constellix sales|constructor |constructor ", await fixture.ScalarAsync<string>(
            """
            select string_agg(array_to_string(providers, ',') || ' ' || array_to_string(array(select unnest(skills) order by 1), ','), '|' order by phone_number)
            from technicians where phone_number in ('+15550200001', '+15550200002', '+41445550201', '+41445550202')
            """));
        Assert.Equal(TimeSpan.FromDays(30), await fixture.ScalarAsync<TimeSpan>(
            "select oc.ends_at - oc.starts_at from technician_on_call oc join technicians t on t.id = oc.technician_id where t.phone_number = '+15550200001'"));
        Assert.Equal("Marco Rossi", await fixture.ScalarAsync<string>(
            "select t.name from accounts a join technicians t on t.id = a.tam_technician_id where a.provider = 'constructor' and a.account_number = '200002'"));
    }
}
