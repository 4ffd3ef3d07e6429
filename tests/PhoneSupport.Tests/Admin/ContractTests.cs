using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

[Collection(ServiceHostCollection.Name)]
public sealed class ContractTests(ServiceFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Create_ForACorporateAccount_Answers201_TheSameAsGet_WithItsAllowance()
    {
        var account = await _api.CreateAccountAsync("constellix", "Corporate");
        var number = TestAccounts.UniqueDigits(7);

        var response = await _api.Admin.PostAsJsonAsync("/api/contracts", new { accountId = (string)account["id"]!, contractNumber = number, startsOn = "2026-01-15", endsOn = "2027-01-14" });

        var created = await AdminApi.ExpectAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/contracts/{number}", response.Headers.Location?.OriginalString);
        Assert.Equal("2026-01-15", (string?)created["startsOn"]);
        Assert.Equal("2027-01-14", (string?)created["endsOn"]);
        Assert.Equal("2026-01-15T05:00:00Z", (string?)created["allowance"]!["contractYearStart"]);
        Assert.Equal(2, (int?)created["allowance"]!["remaining"]);
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, read), $"POST {created.ToJsonString()}\nGET  {read.ToJsonString()}");
        var withAccount = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{account["id"]}"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, withAccount["contracts"]![0]));
    }

    [Theory]
    [InlineData("2026-03-01", "2026-02-28", "1234", "endsOn")]
    [InlineData("2026-13-01", "2027-01-14", "1234", "startsOn")]
    [InlineData("15.01.2026", "2027-01-14", "1234", "startsOn")]
    [InlineData("2026-01-15", "", "1234", "endsOn")]
    [InlineData("2026-01-15", "2027-01-14", "12a4", "contractNumber")]
    [InlineData("2026-01-15", "2027-01-14", "1234567890123", "contractNumber")]
    public async Task Create_WithBadDatesOrNumber_Is400NamingTheField(string startsOn, string endsOn, string contractNumber, string field)
    {
        var account = await _api.CreateAccountAsync("constellix", "Corporate");

        var response = await _api.Admin.PostAsJsonAsync("/api/contracts", new { accountId = (string)account["id"]!, contractNumber, startsOn, endsOn });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(AdminApi.Errors(problem, field));
        Assert.Single(problem["errors"]!.AsObject());
    }

    [Fact]
    public async Task Create_OnADayOnlyContract_EndsOnEqualToStartsOnIsAllowed()
    {
        var account = await _api.CreateAccountAsync("constellix", "Corporate");

        var contract = await _api.CreateContractAsync((string)account["id"]!, "2026-07-04", "2026-07-04");

        Assert.Equal((string?)contract["startsOn"], (string?)contract["endsOn"]);
    }

    [Fact]
    public async Task Create_ADuplicateContractNumber_Is409()
    {
        var first = await _api.CreateAccountAsync("constellix", "Corporate");
        var second = await _api.CreateAccountAsync("constellix", "Corporate");
        var contract = await _api.CreateContractAsync((string)first["id"]!, "2026-01-15", "2027-01-14");

        var response = await _api.Admin.PostAsJsonAsync("/api/contracts", new
        {
            accountId = (string)second["id"]!, contractNumber = (string)contract["contractNumber"]!, startsOn = "2026-02-01", endsOn = "2027-01-31",
        });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains((string)contract["contractNumber"]!, AdminApi.Errors(problem, "contractNumber"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from contracts where account_id = $1", Guid.Parse((string)second["id"]!)));
    }

    [Theory]
    [InlineData("constellix", "Business")]
    [InlineData("constructor", "Premier")]
    public async Task Create_ForAPlanWithoutContractTerms_Is400(string provider, string membership)
    {
        var account = await _api.CreateAccountAsync(provider, membership);

        var response = await _api.Admin.PostAsJsonAsync("/api/contracts", new
        {
            accountId = (string)account["id"]!, contractNumber = TestAccounts.UniqueDigits(), startsOn = "2026-01-15", endsOn = "2027-01-14",
        });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains($"is {membership}", AdminApi.Errors(problem, "accountId"));
    }

    [Fact]
    public async Task Allowance_CountsCommittedAndClaimedOfItsContractYearOnly()
    {
        var account = await _api.CreateAccountAsync("constellix", "Corporate");
        var contract = await _api.CreateContractAsync((string)account["id"]!, "2026-01-15", "2028-01-14");
        var contractId = Guid.Parse((string)contract["id"]!);
        var year1 = NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant();
        var year2 = NewYork.AtStartOfDay(new LocalDate(2027, 1, 15)).ToInstant();
        await InsertUseAsync(contractId, year1, "committed");
        await InsertUseAsync(contractId, year1, "claimed");
        await InsertUseAsync(contractId, year1, "released");
        await InsertUseAsync(contractId, year2, "committed");
        var number = (string)contract["contractNumber"]!;

        var first = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/contracts/{number}/allowance?at=2027-01-15T04:59:59Z"), HttpStatusCode.OK);
        var second = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/contracts/{number}/allowance?at=2027-01-15T05:00:00Z"), HttpStatusCode.OK);

        Assert.Equal(number, (string?)first["contractNumber"]);
        Assert.Equal("2026-01-15T05:00:00Z", (string?)first["contractYearStart"]);
        Assert.Equal("2027-01-15T05:00:00Z", (string?)first["contractYearEnd"]);
        Assert.Equal((2, 1, 1, 0), ((int)first["included"]!, (int)first["used"]!, (int)first["claimed"]!, (int)first["remaining"]!));
        Assert.Equal("2027-01-15T05:00:00Z", (string?)second["contractYearStart"]);
        Assert.Equal((2, 1, 0, 1), ((int)second["included"]!, (int)second["used"]!, (int)second["claimed"]!, (int)second["remaining"]!));
    }

    [Fact]
    public async Task Allowance_OfAnUnknownContractIs404_AndABadInstantIs400()
    {
        await AdminApi.ProblemAsync(await _api.Admin.GetAsync("/api/contracts/99999999999/allowance"), HttpStatusCode.NotFound);

        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync("/api/contracts/5550001/allowance?at=tomorrow"), HttpStatusCode.BadRequest);
        Assert.Contains("2026-07-04T07:00:00Z", AdminApi.Errors(problem, "at"));
    }

    [Fact]
    public async Task EntitlementsNow_CorporateWithAContract_SaturdayNight_UsesAnIncludedIncident()
    {
        var account = await _api.CreateAccountAsync("constellix", "Corporate");
        var contract = await _api.CreateContractAsync((string)account["id"]!, "2026-01-15", "2027-01-14");
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, 11, 23, 0)).ToInstant());

        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{account["id"]}"), HttpStatusCode.OK);
        var now = read["entitlementsNow"]!;

        Assert.Equal("liveRouteUsingIncluded", (string?)now["decision"]);
        Assert.Equal("weekend", (string?)now["window"]);
        Assert.Equal((string?)contract["contractNumber"], (string?)now["contractNumber"]);
        Assert.Equal(2, (int?)now["allowance"]!["remaining"]);
        Assert.Equal(12000, (long?)now["ratePerHour"]!["amount"]);
        Assert.Equal("usd", (string?)now["ratePerHour"]!["currency"]);
        Assert.Contains("2 left", (string?)now["reason"]);
        Assert.Equal("2026-07-11T23:00:00", (string?)now["localTime"]);

        await InsertUseAsync(Guid.Parse((string)contract["id"]!), NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), "committed");
        await InsertUseAsync(Guid.Parse((string)contract["id"]!), NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), "claimed");
        var spent = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{account["id"]}"), HttpStatusCode.OK);
        Assert.Equal("liveRouteWithPrice", (string?)spent["entitlementsNow"]!["decision"]);
        Assert.Equal(0, (int?)spent["contracts"]![0]!["allowance"]!["remaining"]);
    }

    private Task<int> InsertUseAsync(Guid contractId, Instant yearStart, string status) =>
        fixture.ScalarAsync<int>(
            """
            insert into allowance_uses (id, contract_id, contract_year_start, call_sid, status, claimed_at, released_at, committed_at)
            values (gen_random_uuid(), $1, $2, $3, $4, now(), case when $4 = 'released' then now() end, case when $4 = 'committed' then now() end)
            returning 1
            """,
            contractId, yearStart.ToDateTimeUtc(), "CA" + Guid.NewGuid().ToString("N"), status);
}
