using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhoneSupport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PhoneSupport.Tests.Hardening;

/// <summary>
/// Bad input against every admin API operation the OpenAPI document lists, on a Production host over a database of
/// its own (the demo data set): each query parameter, path parameter and body field gets NUL, control characters,
/// huge text, out-of-range dates and instants and numbers, wrong JSON types and huge lists; each body gets malformed
/// JSON and undecodable charsets. Every probe must answer 4xx <c>application/problem+json</c> (text probes: 400 naming
/// the field), none may answer 5xx, and no table may change.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class BadInputMatrixTests(ServiceFixture fixture, ITestOutputHelper output)
{
    private const string AdminKey = "bad-input-admin-key-0123456789abcdef";

    private static readonly string Huge = new('x', 900 * 1024);
    private static readonly string[] BadDates =
    [
        "-0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z",
        "-0001-01-01", "0000-01-01", "9999-12-31", "10000-01-01", "1899-12-31T23:59:59Z", "3000-01-01",
    ];

    private static readonly string[] BadNumbers = ["-1", "0", "2147483648", "99999999999999999999", "1e400", "-2147483649"];

    private sealed record Probe(string Name, HttpMethod Method, string Path, HttpContent? Body, string? Field);

    private sealed record Answer(Probe Probe, int Status, string? MediaType, string Body);

    private async Task<(WebApplicationFactory<Program> Production, string Connection)> HostAsync()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("badinput_" + Guid.NewGuid().ToString("N")[..8]);
        await using (var development = fixture.CreateFactory("Development", connection))
        {
            using var client = development.CreateClient();
            (await client.PostAsync("/dev/demo-data", null)).EnsureSuccessStatusCode();
        }
        var production = fixture.CreateFactory("Production", connection, new Dictionary<string, string?> { ["PhoneSupport:BootstrapAdminApiKey"] = AdminKey });
        return (production, connection);
    }

    private static HttpClient Client(WebApplicationFactory<Program> factory)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    [Fact]
    public async Task EveryApiOperation_AnswersBadInputWith4xxProblemJson_NeverA5xx_AndChangesNoRow()
    {
        var (factory, connection) = await HostAsync();
        await using var _ = factory;
        using var client = Client(factory);
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var ids = await KnownIdsAsync(client);
        var before = await ChecksumAsync(connection);

        var probes = Probes(document, ids, out var missingBases).ToList();
        var answers = new List<Answer>();
        foreach (var probe in probes)
        {
            using var request = new HttpRequestMessage(probe.Method, probe.Path) { Content = probe.Body };
            try
            {
                using var response = await client.SendAsync(request);
                answers.Add(new Answer(probe, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync()));
            }
            catch (Exception e)
            {
                // The test server hands an unhandled exception (or a body broken off mid-stream) to the client: a 500
                // or a truncated answer on a real server.
                answers.Add(new Answer(probe, 500, null, $"{e.GetType().Name}: {e.Message}"));
            }
        }
        var after = await ChecksumAsync(connection);

        var serverErrors = answers.Where(a => a.Status >= 500).ToList();
        var notRefused = answers.Where(a => a.Status is < 400 or >= 500).ToList();
        var notProblem = answers.Where(a => a.MediaType != "application/problem+json").ToList();
        var fieldNotNamed = answers.Where(a => a.Probe.Field is { } f && !(a.Status == 400 && NamesField(a.Body, f))).ToList();
        var leaks = answers.Where(a => a.Body.Contains("Exception", StringComparison.Ordinal) || a.Body.Contains("Npgsql", StringComparison.Ordinal)).ToList();
        output.WriteLine($"Bad-input matrix (Production): {answers.Count} probes over {document["paths"]!.AsObject().Count} paths; " +
            $"{serverErrors.Count} answered 5xx, {answers.Count(a => a.Status is >= 400 and < 500)} answered 4xx, {notProblem.Count} without problem+json.");
        foreach (var group in answers.GroupBy(a => a.Status).OrderBy(g => g.Key)) output.WriteLine($"  {group.Key}: {group.Count()}");

        Assert.True(probes.Count > 500, $"Only {probes.Count} probes generated.");
        Assert.Empty(missingBases);
        Assert.True(serverErrors.Count == 0, Describe("5xx", serverErrors));
        Assert.True(notRefused.Count == 0, Describe("not refused", notRefused));
        Assert.True(notProblem.Count == 0, Describe("not problem+json", notProblem));
        Assert.True(fieldNotNamed.Count == 0, Describe("field not named in errors", fieldNotNamed));
        Assert.True(leaks.Count == 0, Describe("details leaked", leaks));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Production_404_405_AndUnhandledErrors_AnswerProblemJson_WithoutDetails()
    {
        var (factory, _) = await HostAsync();
        await using var __ = factory;
        await using var throwing = factory.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
            services.AddSingleton<IStartupFilter>(new ThrowingEndpoint())));
        using var client = Client(throwing);

        using var unknownApi = await client.GetAsync("/api/no-such-resource");
        using var unknownRoot = await client.GetAsync("/no-such-page");
        using var wrongMethod = await client.DeleteAsync("/api/accounts");
        using var wrongMethodHealth = await client.PostAsync("/healthz", null);
        using var thrown = await client.GetAsync(ThrowingEndpoint.Path);
        // Over https: outside Development the console refuses plain HTTP (400 "The console needs HTTPS").
        using var console404 = await client.GetAsync(new Uri("https://localhost/console/no-such-page"));

        foreach (var (response, status) in new[] { (unknownApi, 404), (unknownRoot, 404), (wrongMethod, 405), (wrongMethodHealth, 405), (thrown, 500) })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(status, (int)JsonNode.Parse(body)!["status"]!);
            Assert.DoesNotContain(ThrowingEndpoint.Secret, body);
            Assert.DoesNotContain("InvalidOperationException", body);
        }
        Assert.Equal(HttpStatusCode.NotFound, console404.StatusCode);
        Assert.Equal("text/html", console404.Content.Headers.ContentType?.MediaType);
        Assert.Contains("lang=\"en\"", await console404.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ChargesCsv_WithAnOutOfRangeDate_Is400ProblemJson_BeforeAnyRowIsSent()
    {
        var (factory, _) = await HostAsync();
        await using var __ = factory;
        using var client = Client(factory);

        foreach (var date in new[] { "-0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z" })
        {
            using var response = await client.GetAsync("/api/charges.csv?from=" + Uri.EscapeDataString(date));
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(NamesField(body, "from"), body);
            Assert.Contains("1900", body);
        }
        using var fine = await client.GetAsync("/api/charges.csv?from=2026-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        Assert.StartsWith("text/csv", fine.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task ConsoleFiltersAndForms_RefuseBadInput_With4xx_AndChangeNoRow()
    {
        var (production, connection) = await HostAsync();
        await production.DisposeAsync();
        await using var factory = fixture.CreateFactory("Development", connection);
        var (userName, password) = await CreateStaffUserAsync(factory, "admin");
        using var console = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(console, "/console/sign-in", new() { ["UserName"] = userName, ["Password"] = password })).StatusCode);
        var before = await ChecksumAsync(connection);

        var answers = new List<(string Probe, HttpResponseMessage Response)>();
        foreach (var date in BadDates)
        {
            answers.Add(($"finance from={date}", await console.GetAsync("/console/finance?from=" + Uri.EscapeDataString(date))));
            answers.Add(($"finance to={date}", await console.GetAsync("/console/finance?to=" + Uri.EscapeDataString(date))));
            answers.Add(($"csv from={date}", await console.GetAsync("/console/finance/charges.csv?from=" + Uri.EscapeDataString(date))));
        }
        answers.Add(("finance NUL", await console.GetAsync("/console/finance?account=a%00b")));
        answers.Add(("quotes NUL", await console.GetAsync("/console/finance/quotes?status=%01")));
        foreach (var (field, value) in new[] { ("Input.Name", "Acme\0Corp"), ("Input.Name", "Acme\u0007"), ("Input.Name", new string('n', 20_000)), ("Input.AccountNumber", "12\03456") })
        {
            var fields = new Dictionary<string, string>
            {
                ["Input.Provider"] = "constellix", ["Input.Name"] = "Probe Corp", ["Input.Membership"] = "Business", ["Input.AccountNumber"] = "55443322",
                ["Input.PhoneNumbers"] = "+15557775555",
            };
            fields[field] = value;
            answers.Add(($"new account {field}", await PostFormAsync(console, "/console/admin", fields)));
        }
        var phones = string.Join("\n", Enumerable.Range(0, 21).Select(i => $"+1555777{i:0000}"));
        answers.Add(("new account 21 phones", await PostFormAsync(console, "/console/admin", new()
        {
            ["Input.Provider"] = "constellix", ["Input.Name"] = "Probe Corp", ["Input.Membership"] = "Business", ["Input.AccountNumber"] = "55443322", ["Input.PhoneNumbers"] = phones,
        })));
        var after = await ChecksumAsync(connection);

        foreach (var (probe, response) in answers)
        {
            var status = (int)response.StatusCode;
            output.WriteLine($"console {probe}: {status} {response.Content.Headers.ContentType?.MediaType}");
            Assert.True(status is >= 400 and < 500, $"{probe}: {status}");
        }
        Assert.Equal(before, after);
    }

    // ---- the matrix -------------------------------------------------------------------------------------------

    private sealed record Ids(string AccountId, string ProctoredAccountId, string CorporateAccountId, string TechnicianId, string ContractNumber);

    private static async Task<Ids> KnownIdsAsync(HttpClient client)
    {
        var accounts = JsonNode.Parse(await client.GetStringAsync("/api/accounts?limit=100"))!["items"]!.AsArray();
        string Of(string membership) => (string)accounts.First(a => (string)a!["membership"]! == membership)!["id"]!;
        var technicians = JsonNode.Parse(await client.GetStringAsync("/api/technicians?limit=100"))!["items"]!.AsArray();
        var corporate = JsonNode.Parse(await client.GetStringAsync("/api/accounts/" + Of("Corporate")))!;
        return new Ids(Of("Business"), Of("Proctored"), Of("Corporate"), (string)technicians[0]!["id"]!, (string)corporate["contracts"]![0]!["contractNumber"]!);
    }

    /// <summary>A valid body per operation, so a probe fails because of its one bad field. Every body operation must have one.</summary>
    private static Dictionary<string, JsonObject> BaseBodies(Ids ids) => new()
    {
        ["POST /api/accounts"] = new()
        {
            ["provider"] = "constellix", ["name"] = "Probe Corp", ["membership"] = "Business", ["accountNumber"] = "99887711",
            ["phoneNumbers"] = new JsonArray("+15557770101"), ["userNames"] = new JsonArray("probe.user"),
        },
        ["POST /api/accounts/{id}/exam-sessions"] = new() { ["start"] = "2026-08-01T10:00:00Z", ["end"] = "2026-08-01T12:00:00Z" },
        ["POST /api/contracts"] = new() { ["accountId"] = ids.CorporateAccountId, ["contractNumber"] = "99887722", ["startsOn"] = "2027-01-01", ["endsOn"] = "2027-12-31" },
        ["POST /api/api-keys"] = new() { ["name"] = "probe key", ["role"] = "finance" },
        ["POST /api/technicians"] = new()
        {
            ["name"] = "Probe Tech", ["phoneNumber"] = "+15557770202", ["providers"] = new JsonArray("constellix"), ["skills"] = new JsonArray("sales"),
            ["languages"] = new JsonArray("en"),
        },
        ["PUT /api/technicians/{id}/availability"] = new() { ["status"] = "available" },
        ["PUT /api/technicians/{id}/on-call"] = new() { ["windows"] = new JsonArray(new JsonObject { ["start"] = "2026-08-01T10:00:00Z", ["end"] = "2026-08-01T18:00:00Z" }) },
        ["POST /api/charges/{id}/waive"] = new() { ["reason"] = "probe" },
        ["POST /api/purchases"] = new() { ["accountId"] = ids.AccountId, ["minutes"] = 30 },
        ["POST /api/quotes"] = new() { ["accountId"] = ids.AccountId, ["estimatedMinutes"] = 60 },
        ["POST /api/quotes/{id}/price"] = new() { ["estimatedMinutes"] = 60 },
        ["POST /api/incidents/{id}/calls"] = new() { ["callSid"] = "CA" + new string('0', 32) },
        ["POST /api/calls/{callSid}/transfer"] = new() { ["skill"] = "sales", ["mode"] = "warm" },
        ["POST /api/incidents/{id}/notes"] = new() { ["text"] = "probe note", ["disposition"] = "resolved" },
        ["PATCH /api/accounts/{id}"] = new()
        {
            ["name"] = "Probe Corp", ["membership"] = "Business", ["phoneNumbers"] = new JsonArray("+15557770303"), ["userNames"] = new JsonArray("probe.user"),
            ["stripeCustomerId"] = "cus_Probe", ["active"] = true,
        },
        ["PATCH /api/contracts/{contractNumber}"] = new() { ["startsOn"] = "2026-01-15", ["endsOn"] = "2027-01-14" },
        ["PATCH /api/technicians/{id}"] = new()
        {
            ["name"] = "Probe Tech", ["phoneNumber"] = "+15557770404", ["providers"] = new JsonArray("constellix"), ["skills"] = new JsonArray("sales"),
            ["languages"] = new JsonArray("en"), ["active"] = true,
        },
        ["POST /api/callbacks/{id}/cancel"] = new() { ["reason"] = "probe" },
        ["POST /api/callbacks/{id}/reschedule"] = new() { ["dueAt"] = "2026-08-03T14:00:00Z" },
        ["POST /api/callbacks/{id}/assign"] = new() { ["technicianId"] = ids.TechnicianId },
        ["POST /api/closures"] = new() { ["provider"] = "constellix", ["name"] = "Probe closure", ["start"] = "2026-08-03T14:00:00Z", ["end"] = "2026-08-03T16:00:00Z" },
        ["POST /api/policies/{provider}/diff"] = new() { ["before"] = null, ["after"] = "provider: constellix\nversion: \"probe\"\n" },
        // Not a valid policy (nothing may publish): each probe must still be refused for the field it changes.
        ["POST /api/policies/{provider}/versions"] = new() { ["yaml"] = "provider: constellix\nversion: \"probe\"\n", ["effectiveFrom"] = "2026-08-03T14:00:00Z" },
        ["POST /api/policies/{provider}/what-if"] = new() { ["version"] = "2026.11.1", ["from"] = "2026-07-01", ["to"] = "2026-08-01" },
    };

    /// <summary>A valid query per operation that needs one (besides the parameter probed).</summary>
    private static readonly Dictionary<string, string> BaseQueries = new()
    {
        ["GET /api/policies/{provider}/window"] = "plan=Business",
        ["GET /api/policies/{provider}/due"] = "plan=Business&severity=1",
    };

    private static IEnumerable<Probe> Probes(JsonObject document, Ids ids, out List<string> missingBases)
    {
        var bases = BaseBodies(ids);
        missingBases = [];
        var probes = new List<Probe>();
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            if (!template.StartsWith("/api/", StringComparison.Ordinal)) continue;
            foreach (var (verb, operationNode) in item!.AsObject())
            {
                if (verb is not ("get" or "post" or "put" or "delete" or "patch")) continue;
                var operation = operationNode!.AsObject();
                var method = new HttpMethod(verb.ToUpperInvariant());
                var key = $"{method} {template}";
                var parameters = (operation["parameters"]?.AsArray() ?? new JsonArray()).Select(p => p!.AsObject()).ToList();
                var path = FillPath(template, ids);
                var baseQuery = BaseQueries.GetValueOrDefault(key);
                var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
                JsonObject? body = null;
                if (schema is not null && !bases.TryGetValue(key, out body)) missingBases.Add(key);
                HttpContent? BaseBody() => body is null ? null : Json(body.ToJsonString());
                string Url(string p, string? query) => p + (string.Join("&", new[] { baseQuery, query }.Where(q => q is not null)) is { Length: > 0 } q2 ? "?" + q2 : "");

                // Path parameters: control characters and huge values (a NUL in the path never gets this far: the
                // server's URL decoder refuses it, Kestrel with a 400 of its own).
                foreach (var name in parameters.Where(p => (string?)p["in"] == "path").Select(p => (string)p["name"]!))
                    foreach (var (label, value) in new[] { ("control", "a%07b"), ("escape", "a%1Bb"), ("huge", new string('9', 3000)) })
                        probes.Add(new Probe($"{key} path {name} {label}", method, Url(FillPath(template, ids, name, value), null), BaseBody(), label == "huge" ? null : "path"));

                // Query parameters: control characters, huge, out-of-range dates and numbers.
                foreach (var name in parameters.Where(p => (string?)p["in"] == "query").Select(p => (string)p["name"]!))
                {
                    foreach (var (label, value) in new[] { ("NUL", "a\0b"), ("control", "a\u0001b"), ("DEL-C1", "a\u0085b"), ("huge", new string('7', 5000)) })
                        probes.Add(new Probe($"{key} query {name} {label}", method, Url(path, $"{name}={Uri.EscapeDataString(value)}"), BaseBody(), name));
                    foreach (var value in BadDates.Concat(BadNumbers).Append("not-a-value"))
                        probes.Add(new Probe($"{key} query {name}={value}", method, Url(path, $"{name}={Uri.EscapeDataString(value)}"), BaseBody(), null));
                }

                if (body is null) continue;
                // Whole bodies: malformed JSON, wrong types, charsets, media types.
                foreach (var (label, text) in new[]
                {
                    ("malformed", "{\"a\":"), ("array", "[]"), ("null", "null"), ("string", "\"text\""), ("number", "42"), ("empty", ""),
                    ("trailing", body.ToJsonString() + "}"), ("deep", new string('[', 5000) + new string(']', 5000)),
                })
                    probes.Add(new Probe($"{key} body {label}", method, path, Json(text), null));
                probes.Add(new Probe($"{key} body invalid UTF-8", method, path, Bytes([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], "application/json"), null));
                probes.Add(new Probe($"{key} charset=bogus", method, path, Bytes(Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json; charset=bogus"), null));
                probes.Add(new Probe($"{key} text/plain", method, path, Bytes(Encoding.UTF8.GetBytes(body.ToJsonString()), "text/plain"), null));
                probes.Add(new Probe($"{key} no body", method, path, null, null));

                // Each field of the body.
                foreach (var (field, kind, itemKind) in Fields(document, schema!))
                {
                    JsonObject With(JsonNode? value)
                    {
                        var copy = body.DeepClone().AsObject();
                        copy[field] = value;
                        return copy;
                    }
                    Probe P(string label, JsonNode? value, string? named) => new($"{key} {field} {label}", method, path, Json(With(value).ToJsonString()), named);
                    switch (kind)
                    {
                        case "string":
                            probes.Add(P("NUL", "a\0b", field));
                            probes.Add(P("control", "a\u001Bb", field));
                            probes.Add(P("newline", "a\nb", field is "reason" or "text" or "before" or "after" or "yaml" ? null : field)); // multi-line: a waiver's reason, a note's text, a policy's YAML
                            probes.Add(P("huge", Huge, field));
                            probes.Add(new Probe($"{key} {field} lone surrogate", method, path,
                                Json(With("@surrogate@").ToJsonString().Replace("\"@surrogate@\"", "\"a\\ud800b\"", StringComparison.Ordinal)), field));
                            probes.Add(P("number", 12, null));
                            probes.Add(P("object", new JsonObject(), null));
                            probes.Add(P("array", new JsonArray("a"), null));
                            if (field is "start" or "end" or "startsOn" or "endsOn" or "at" or "from" or "to" or "effectiveFrom")
                                foreach (var date in BadDates) probes.Add(P(date, date, field));
                            break;
                        case "integer" or "number":
                            foreach (var n in BadNumbers) probes.Add(new Probe($"{key} {field}={n}", method, path, Json(With(null).ToJsonString().Replace($"\"{field}\":null", $"\"{field}\":{n}", StringComparison.Ordinal)), null));
                            probes.Add(P("string", "30", null));
                            probes.Add(P("bool", true, null));
                            break;
                        case "array":
                            var element = itemKind == "object" ? (JsonNode)new JsonObject { ["start"] = "2026-08-01T10:00:00Z", ["end"] = "2026-08-01T11:00:00Z" } : "+15557770000";
                            // 20,000 numbers fit in the 1 MB body limit; 20,000 windows do not (413), so 5,000 of them.
                            var count = itemKind == "object" ? 5_000 : 20_000;
                            probes.Add(P($"{count} items", new JsonArray([.. Enumerable.Range(0, count).Select(_ => element.DeepClone())]), field));
                            probes.Add(P("string", "not a list", null));
                            probes.Add(P("number", 7, null));
                            if (itemKind == "string")
                            {
                                probes.Add(P("item NUL", new JsonArray("a\0b"), field));
                                probes.Add(P("item huge", new JsonArray(Huge), field));
                                probes.Add(P("item number", new JsonArray(5), null));
                            }
                            else
                            {
                                probes.Add(P("item NUL", new JsonArray(new JsonObject { ["start"] = "2026-08-01T10:00:00Z\0", ["end"] = "2026-08-01T11:00:00Z" }), $"{field}[0].start"));
                                foreach (var date in BadDates.Take(4))
                                    probes.Add(P($"item {date}", new JsonArray(new JsonObject { ["start"] = "2026-08-01T10:00:00Z", ["end"] = date }), $"{field}[0].end"));
                            }
                            break;
                    }
                }
            }
        }
        return probes;
    }

    /// <summary>The body's fields with their JSON kind (and the kind of a list's items), from the OpenAPI schema.</summary>
    private static IEnumerable<(string Field, string Kind, string? ItemKind)> Fields(JsonObject document, JsonNode schema)
    {
        var resolved = Resolve(document, schema);
        foreach (var (name, property) in resolved["properties"]?.AsObject() ?? new JsonObject())
        {
            var p = Resolve(document, property!);
            var kind = Kind(p);
            yield return (name, kind, kind == "array" ? Kind(Resolve(document, p["items"]!)) : null);
        }
    }

    private static JsonObject Resolve(JsonObject document, JsonNode schema)
    {
        var node = schema.AsObject();
        if ((string?)node["$ref"] is { } reference) return Resolve(document, document["components"]!["schemas"]![reference.Split('/')[^1]]!);
        if ((node["oneOf"] ?? node["anyOf"]) is JsonArray choices)
            return choices.Select(c => Resolve(document, c!)).FirstOrDefault(c => Kind(c) != "null") ?? node;
        return node;
    }

    private static string Kind(JsonObject schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => (string)t!).FirstOrDefault(t => t != "null") ?? "null",
        JsonValue type => (string)type!,
        _ => schema["properties"] is not null ? "object" : "unknown",
    };

    private static string FillPath(string template, Ids ids, string? probed = null, string? value = null) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{(\w+)\}", m => m.Groups[1].Value == probed ? value! : (m.Groups[1].Value, template) switch
        {
            ("provider", _) => "constellix",
            ("contractNumber", _) => ids.ContractNumber,
            ("id", var t) when t.StartsWith("/api/accounts/", StringComparison.Ordinal) => t.Contains("exam-sessions") ? ids.ProctoredAccountId : ids.AccountId,
            ("id", var t) when t.StartsWith("/api/technicians/", StringComparison.Ordinal) => ids.TechnicianId,
            _ => Guid.NewGuid().ToString(),
        });

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static ByteArrayContent Bytes(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static bool NamesField(string body, string field)
    {
        try
        {
            return JsonNode.Parse(body)?["errors"]?.AsObject() is { } errors && errors.Any(e => e.Key == field);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Describe(string what, List<Answer> answers) =>
        $"{answers.Count} probes {what}:\n" + string.Join("\n", answers.Take(40).Select(a =>
            $"  {a.Probe.Name}: {a.Status} {a.MediaType} {(a.Body.Length > 300 ? a.Body[..300] : a.Body)}"));

    /// <summary>Row count and a digest of every table's rows (the rate-limit counters, which count every request, left out).</summary>
    private static async Task<Dictionary<string, string>> ChecksumAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("select tablename from pg_tables where schemaname = 'public' and tablename <> 'rate_limit_counters' order by 1", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        var sums = new Dictionary<string, string>();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"select count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from \"{table}\" t", connection);
            sums[table] = (string)(await command.ExecuteScalarAsync())!;
        }
        return sums;
    }

    private static async Task<(string UserName, string Password)> CreateStaffUserAsync(WebApplicationFactory<Program> factory, string role)
    {
        using var scope = factory.Services.CreateScope();
        var handler = scope.ServiceProvider.GetRequiredService<PhoneSupport.Features.Console.StaffUsersHandler>();
        var admin = PhoneSupport.Features.Console.StaffSignIn.Principal(new PhoneSupport.Features.Console.StaffUser(Guid.NewGuid(), "test.admin", "Test Admin",
            PhoneSupport.Features.Console.StaffRoles.Admin, null, "", NodaTime.SystemClock.Instance.GetCurrentInstant(), "tests"));
        var userName = $"{role}.{TestAccounts.UniqueDigits(8)}";
        var result = await handler.CreateAsync(new PhoneSupport.Features.Console.CreateStaffUserRequest(userName, "Test " + role, role, null), admin, default);
        var created = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Created<PhoneSupport.Features.Console.StaffUserResource>>(result.Result);
        return (userName, created.Value!.Password!);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields)
    {
        var html = await client.GetStringAsync(path);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value) };
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    /// <summary>An endpoint that throws with a message that must never reach the client.</summary>
    private sealed class ThrowingEndpoint : IStartupFilter
    {
        public const string Path = "/api/test-throws";
        public const string Secret = "secret-detail-4711";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map(Path, b => b.Run(_ => throw new InvalidOperationException(Secret)));
        };
    }
}

/// <summary>The edge rules' boundaries: the supported years and what text is refused.</summary>
public sealed class InputRulesTests
{
    [Theory]
    [InlineData(1900, 1, 1, true)]
    [InlineData(2999, 12, 31, true)]
    [InlineData(1899, 12, 31, false)]
    [InlineData(3000, 1, 1, false)]
    [InlineData(0, 1, 1, false)]
    [InlineData(-1, 1, 1, false)]
    [InlineData(9999, 12, 31, false)]
    public void SupportedYears_Are1900To2999(int year, int month, int day, bool supported)
    {
        var date = new NodaTime.LocalDate(year, month, day);
        Assert.Equal(supported, PhoneSupport.Features.Platform.InputRules.InRange(date));
        Assert.Equal(supported, PhoneSupport.Features.Platform.InputRules.InRange(date.AtStartOfDayInZone(NodaTime.DateTimeZone.Utc).ToInstant()));
    }

    [Theory]
    [InlineData("Acme Corporation", false, null)]
    [InlineData("Zürich Software GmbH 🙂", false, null)]
    [InlineData("a\0b", false, "NUL")]
    [InlineData("a\u0007b", false, "U+0007")]
    [InlineData("a\u0085b", false, "U+0085")]
    [InlineData("line\nbreak", false, "U+000A")]
    [InlineData("line\nbreak\ttab", true, null)]
    [InlineData("a\u001Bb", true, "U+001B")]
    public void TextProblem_RefusesControlCharactersAndBrokenText(string text, bool multiLine, string? expected)
    {
        var problem = PhoneSupport.Features.Platform.InputRules.TextProblem(text, 200, multiLine);
        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem);
    }

    /// <summary>Not as theory data: the test runner's serialisation of the cases would replace the broken text.</summary>
    [Fact]
    public void TextProblem_RefusesUnpairedSurrogates()
    {
        Assert.Contains("surrogate", PhoneSupport.Features.Platform.InputRules.TextProblem("a\ud800b", 200));
        Assert.Contains("surrogate", PhoneSupport.Features.Platform.InputRules.TextProblem("\udc00", 200));
        Assert.Contains("surrogate", PhoneSupport.Features.Platform.InputRules.TextProblem("a\ud83d", 200));
        Assert.Null(PhoneSupport.Features.Platform.InputRules.TextProblem("a\ud83d\ude42", 200));
    }

    [Fact]
    public void TextProblem_CountsLength_AndCheck_NamesNestedFieldsAndLongLists()
    {
        Assert.Contains("At most 200", PhoneSupport.Features.Platform.InputRules.TextProblem(new string('a', 201), 200));
        Assert.Null(PhoneSupport.Features.Platform.InputRules.TextProblem(new string('a', 200), 200));

        var errors = new PhoneSupport.Features.Platform.FieldErrors();
        PhoneSupport.Features.Platform.InputRules.Check(new PhoneSupport.Features.Admin.ReplaceOnCallRequest(
            [new PhoneSupport.Features.Admin.OnCallWindowRequest("2026-08-01T10:00:00Z", "2026\0")]), errors);
        PhoneSupport.Features.Platform.InputRules.Check(new PhoneSupport.Features.Admin.CreateAccountRequest(
            "constellix", "Acme", "Business", "123456", [.. Enumerable.Range(0, 21).Select(i => $"+1555000{i:0000}")], ["ok", "bad\u0001"]), errors);
        var found = errors.ToDictionary();

        Assert.Equal(["phoneNumbers", "userNames", "windows[0].end"], found.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("At most 20 items", found["phoneNumbers"][0]);
        Assert.Contains("Item 2", found["userNames"][0]);
    }
}
