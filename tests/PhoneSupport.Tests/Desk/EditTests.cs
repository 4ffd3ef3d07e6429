using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Features.Routing;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Desk;

/// <summary>
/// Issue 12, item 1: accounts, contracts and technicians edited through <c>PATCH</c> (JSON merge patch) under strong ETags,
/// exam sessions listed and cancelled; every change with its audit row.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class EditTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task PatchAccount_WithTheCurrentETag_ChangesIt_AnswersANewETag_AndIsAudited()
    {
        var account = await _api.CreateAccountAsync("constellix", "Business");
        var id = (string)account["id"]!;
        var read = await _api.Admin.GetAsync($"/api/accounts/{id}");
        var etag = DeskApi.ETag(read);
        var phone = AdminApi.NewPhone();

        var patched = await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}",
            new { name = "Renamed Ltd", membership = "SmallBusiness", phoneNumbers = new[] { phone }, stripeCustomerId = "cus_Edit1" }, etag);

        var body = await AdminApi.ExpectAsync(patched, HttpStatusCode.OK);
        Assert.Equal("Renamed Ltd", (string)body["name"]!);
        Assert.Equal("SmallBusiness", (string)body["membership"]!);
        Assert.Equal([phone], body["phoneNumbers"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("cus_Edit1", (string)body["stripeCustomerId"]!);
        Assert.NotEqual(etag, DeskApi.ETag(patched));
        Assert.Equal(DeskApi.ETag(patched), DeskApi.ETag(await _api.Admin.GetAsync($"/api/accounts/{id}")));

        var audit = await DeskApi.AuditAsync(_api.Admin, "account", id);
        Assert.Equal(["updated", "created"], audit.Select(a => (string)a["action"]!));
        Assert.Equal("bootstrap", (string)audit[0]["actor"]!);
        Assert.Equal("apiKey", (string)audit[0]["actorKind"]!);
        Assert.Equal("Business", (string)audit[0]["before"]!["membership"]!);
        Assert.Equal("SmallBusiness", (string)audit[0]["after"]!["membership"]!);
        Assert.Equal("Renamed Ltd", (string)audit[0]["after"]!["name"]!);
    }

    [Fact]
    public async Task PatchAccount_WithAStaleIfMatch_Answers412_AndChangesNothing()
    {
        var account = await _api.CreateAccountAsync("constellix", "Business");
        var id = (string)account["id"]!;
        var etag = DeskApi.ETag(await _api.Admin.GetAsync($"/api/accounts/{id}"));
        await AdminApi.ExpectAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}", new { name = "First edit" }, etag), HttpStatusCode.OK);

        var stale = await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}", new { name = "Second edit", active = false }, etag);

        await AdminApi.ProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        var now = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{id}"), HttpStatusCode.OK);
        Assert.Equal("First edit", (string)now["name"]!);
        Assert.True((bool)now["active"]!);
        Assert.Equal(["updated", "created"], (await DeskApi.AuditAsync(_api.Admin, "account", id)).Select(a => (string)a["action"]!));
    }

    [Fact]
    public async Task PatchAccount_WithoutIfMatch_IsUnconditional_AndBadFieldsAreFieldErrors()
    {
        var account = await _api.CreateAccountAsync("constellix", "Business");
        var id = (string)account["id"]!;

        var bad = await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}",
            new { membership = "Platinum", phoneNumbers = new[] { "555" }, stripeCustomerId = "acct_1" }), HttpStatusCode.BadRequest);
        Assert.Contains("Platinum", AdminApi.Errors(bad, "membership"));
        Assert.Contains("E.164", AdminApi.Errors(bad, "phoneNumbers"));
        Assert.Contains("cus_", AdminApi.Errors(bad, "stripeCustomerId"));
        var nullName = await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}", new { name = (string?)null }), HttpStatusCode.BadRequest);
        Assert.Contains("name", AdminApi.Errors(nullName, "name"));
        await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}", new { name = "x" }, "\"not-a-revision\""), HttpStatusCode.PreconditionFailed);

        var plain = await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}", new { stripeCustomerId = "cus_Plain" }, contentType: "application/json");
        Assert.Equal("cus_Plain", (string)(await AdminApi.ExpectAsync(plain, HttpStatusCode.OK))["stripeCustomerId"]!);
        var cleared = await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{id}", new { stripeCustomerId = (string?)null });
        Assert.Null((string?)(await AdminApi.ExpectAsync(cleared, HttpStatusCode.OK))["stripeCustomerId"]);
        Assert.Equal(2, (await DeskApi.AuditAsync(_api.Admin, "account", id)).Count(a => (string)a["action"]! == "updated"));
    }

    [Fact]
    public async Task PatchContract_RenewsAndEnds_UnderItsETag()
    {
        var account = await _api.CreateAccountAsync("constellix", "Corporate");
        var contract = await _api.CreateContractAsync((string)account["id"]!, "2026-01-15", "2027-01-14");
        var number = (string)contract["contractNumber"]!;
        var etag = DeskApi.ETag(await _api.Admin.GetAsync($"/api/contracts/{number}"));

        var renewed = await AdminApi.ExpectAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/contracts/{number}", new { endsOn = "2028-01-14" }, etag), HttpStatusCode.OK);
        Assert.Equal("2028-01-14", (string)renewed["endsOn"]!);
        await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/contracts/{number}", new { endsOn = "2026-06-30" }, etag), HttpStatusCode.PreconditionFailed);
        var backwards = await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/contracts/{number}", new { endsOn = "2025-01-01" }), HttpStatusCode.BadRequest);
        Assert.Contains("before it starts", AdminApi.Errors(backwards, "endsOn"));

        Assert.Equal("2028-01-14", (string)(await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/contracts/{number}"), HttpStatusCode.OK))["endsOn"]!);
        var audit = await DeskApi.AuditAsync(_api.Admin, "contract", number);
        Assert.Equal(["updated", "created"], audit.Select(a => (string)a["action"]!));
        Assert.Equal("2027-01-14", (string)audit[0]["before"]!["endsOn"]!);
    }

    [Fact]
    public async Task InactiveTechnician_IsNeverReserved_AndOneOnACallFinishesIt()
    {
        var provider = "desk" + TestAccounts.UniqueDigits(6);
        var onCall = await TestTechnicians.CreateAsync(fixture, provider);
        var idle = await TestTechnicians.CreateAsync(fixture, provider);
        using var scope = fixture.Factory.Services.CreateScope();
        var router = scope.ServiceProvider.GetRequiredService<TechnicianRouter>();
        var first = await router.ReserveAsync(new ReservationRequest("CA" + Guid.NewGuid().ToString("N"), provider, null, null, false, [], Only: onCall.Id), default);
        Assert.Equal(onCall.Id, first!.Id);

        foreach (var technician in new[] { onCall, idle })
        {
            var etag = DeskApi.ETag(await _api.Admin.GetAsync($"/api/technicians/{technician.Id}"));
            var patched = await AdminApi.ExpectAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/technicians/{technician.Id}", new { active = false }, etag), HttpStatusCode.OK);
            Assert.False((bool)patched["active"]!);
        }

        Assert.Equal("reserved", await fixture.ScalarAsync<string>("select status from technicians where id = $1", onCall.Id)); // keeps the call
        Assert.Equal("offline", await fixture.ScalarAsync<string>("select status from technicians where id = $1", idle.Id));
        Assert.Null(await router.ReserveAsync(new ReservationRequest("CA" + Guid.NewGuid().ToString("N"), provider, null, null, false, []), default));
        await fixture.ScalarAsync<int>("update technicians set status = 'available' where id = $1 returning 1", idle.Id); // even set available by hand
        Assert.Null(await router.ReserveAsync(new ReservationRequest("CA" + Guid.NewGuid().ToString("N"), provider, null, null, false, []), default));
        foreach (var technician in new[] { onCall, idle })
        {
            var audit = Assert.Single(await DeskApi.AuditAsync(_api.Admin, "technician", technician.Id.ToString()));
            Assert.True((bool)audit["before"]!["active"]!);
            Assert.False((bool)audit["after"]!["active"]!);
        }
    }

    [Fact]
    public async Task PatchTechnician_StaleETag_412_AndFieldsValidatedAsOnCreate()
    {
        var created = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync("/api/technicians",
            new { name = "Edit Me", phoneNumber = AdminApi.NewPhone(), providers = new[] { "constellix" } }), HttpStatusCode.Created);
        var id = (string)created["id"]!;
        var etag = DeskApi.ETag(await _api.Admin.GetAsync($"/api/technicians/{id}"));
        var edited = await AdminApi.ExpectAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/technicians/{id}",
            new { name = "Edited", skills = new[] { "sales" }, languages = new[] { "de-CH", "en" } }, etag), HttpStatusCode.OK);
        Assert.Equal("Edited", (string)edited["name"]!);
        Assert.Equal(["de", "en"], edited["languages"]!.AsArray().Select(l => (string)l!));

        await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/technicians/{id}", new { name = "Lost" }, etag), HttpStatusCode.PreconditionFailed);
        var bad = await AdminApi.ProblemAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/technicians/{id}", new { providers = new[] { "nowhere" } }), HttpStatusCode.BadRequest);
        Assert.Contains("nowhere", AdminApi.Errors(bad, "providers"));
        Assert.Equal("Edited", (string)(await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/technicians/{id}"), HttpStatusCode.OK))["name"]!);
        Assert.Equal(["updated", "created"], (await DeskApi.AuditAsync(_api.Admin, "technician", id)).Select(a => (string)a["action"]!));
    }

    [Fact]
    public async Task ExamSessions_AreListed_AndCancelled_WithAuditRows()
    {
        var account = await _api.CreateAccountAsync("constructor", "Proctored");
        var id = (string)account["id"]!;
        var session = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/accounts/{id}/exam-sessions",
            new { start = "2026-09-01T07:00:00Z", end = "2026-09-01T11:00:00Z" }), HttpStatusCode.Created);
        var sessionId = (string)session["id"]!;
        var listed = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{id}/exam-sessions"), HttpStatusCode.OK);
        Assert.Equal([sessionId], listed["items"]!.AsArray().Select(s => (string)s!["id"]!));

        Assert.Equal(HttpStatusCode.NoContent, (await _api.Admin.DeleteAsync($"/api/accounts/{id}/exam-sessions/{sessionId}")).StatusCode);

        Assert.Empty((await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{id}/exam-sessions"), HttpStatusCode.OK))["items"]!.AsArray());
        await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/accounts/{id}/exam-sessions/{sessionId}"), HttpStatusCode.NotFound);
        await AdminApi.ProblemAsync(await _api.Admin.DeleteAsync($"/api/accounts/{id}/exam-sessions/{sessionId}"), HttpStatusCode.NotFound);
        Assert.Equal(["cancelled", "created"], (await DeskApi.AuditAsync(_api.Admin, "examSession", sessionId)).Select(a => (string)a["action"]!));
    }

    [Fact]
    public async Task Audit_FiltersByPeriod_AndRefusesBadFilters()
    {
        var account = await _api.CreateAccountAsync("constellix", "Business");
        var id = (string)account["id"]!;
        var at = (string)(await DeskApi.AuditAsync(_api.Admin, "account", id))[0]["at"]!;

        var inside = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/audit?entity=account&id={id}&from={at}"), HttpStatusCode.OK);
        var before = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/audit?entity=account&id={id}&to={at}"), HttpStatusCode.OK);

        Assert.Single(inside["items"]!.AsArray());
        Assert.Empty(before["items"]!.AsArray());
        Assert.Contains("ISO-8601", AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.GetAsync("/api/audit?from=yesterday"), HttpStatusCode.BadRequest), "from"));
        Assert.Contains("entity", AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/audit?id={id}"), HttpStatusCode.BadRequest), "entity"));
        var (financeKey, _) = await _api.CreateKeyAsync("finance");
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Client(financeKey).GetAsync("/api/audit")).StatusCode);
    }
}
