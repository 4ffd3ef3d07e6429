using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PhoneSupport.Emulators.Stripe;

namespace PhoneSupport.Tests.Stripe;

/// <summary>The emulator spoken to with a bare <see cref="HttpClient"/>: what any Stripe client would meet on the wire.</summary>
public sealed class StripeEmulatorWireTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private StripeEmulator _emulator = null!;

    public async Task InitializeAsync()
    {
        _emulator = new StripeEmulator(StripeHarness.EmulatorOptions());
        await _emulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_key_the_answer_is_401_error_json_and_basic_auth_with_the_key_as_user_works()
    {
        var (status, json, headers) = await PostAsync("/v1/invoices", "customer=cus_1", anonymous: true);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(StripeHarness.SecretKey + ":"));
        var (basicStatus, _, _) = await PostAsync("/v1/invoices", "customer=cus_1", auth: new AuthenticationHeaderValue("Basic", basic));

        Assert.Equal(401, status);
        Assert.Equal("invalid_request_error", json.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("You did not provide an API key", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Matches("^req_", headers.GetValues("Request-Id").Single());
        Assert.Equal(200, basicStatus);
        Assert.Single(_emulator.Invoices);
    }

    [Fact]
    public async Task Unknown_parameters_urls_and_api_versions_are_refused_like_stripe()
    {
        var (unknown, json, _) = await PostAsync("/v1/invoiceitems", "customer=cus_1&amount=100&currency=usd&unit_amount=5");
        var (badCurrency, currencyJson, _) = await PostAsync("/v1/invoiceitems", "customer=cus_1&amount=100&currency=USD");
        var (url, _, _) = await PostAsync("/v1/charges", "amount=1");
        var (version, versionJson, _) = await PostAsync("/v1/invoices", "customer=cus_1", version: "2020-08-27");

        Assert.Equal(400, unknown);
        Assert.Equal(("parameter_unknown", "unit_amount"),
            (json.GetProperty("error").GetProperty("code").GetString(), json.GetProperty("error").GetProperty("param").GetString()));
        Assert.Equal((400, "currency"), (badCurrency, currencyJson.GetProperty("error").GetProperty("param").GetString()));
        Assert.Equal(404, url);
        Assert.Equal(400, version);
        Assert.Contains(StripeHarness.ApiVersion, versionJson.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_emulator.InvoiceItems);
    }

    [Fact]
    public async Task The_same_key_and_parameters_in_another_order_replay_the_first_answer_byte_for_byte()
    {
        var first = await RawPostAsync("/v1/invoiceitems", "customer=cus_1&amount=100&currency=usd&metadata[a]=1", "key-1");
        var again = await RawPostAsync("/v1/invoiceitems", "currency=usd&metadata%5Ba%5D=1&amount=100&customer=cus_1", "key-1");

        Assert.Equal(first.Body, again.Body);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal("key-1", again.Headers.GetValues("Idempotency-Key").Single());
        Assert.Single(_emulator.InvoiceItems);
    }

    [Fact]
    public async Task Bracket_forms_escaped_or_not_with_plus_spaces_and_empty_brackets_are_understood()
    {
        var (_, item, _) = await PostAsync("/v1/invoiceitems", "customer=cus_1&amount=100&currency=usd&description=Two+words&metadata%5Bincident_id%5D=INC-7");
        var (_, invoice, _) = await PostAsync("/v1/invoices", "customer=cus_1");
        var id = invoice.GetProperty("id").GetString();

        var (status, withLine, _) = await PostAsync($"/v1/invoices/{id}/add_lines", $"lines[][invoice_item]={item.GetProperty("id").GetString()}");

        Assert.Equal("Two words", item.GetProperty("description").GetString());
        Assert.Equal("INC-7", item.GetProperty("metadata").GetProperty("incident_id").GetString());
        Assert.Equal(200, status);
        Assert.Equal(100, withLine.GetProperty("amount_due").GetInt64());
        Assert.Equal("line_item", withLine.GetProperty("lines").GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Fact]
    public async Task The_state_machine_refuses_out_of_order_moves_and_pays_a_zero_invoice_on_finalize()
    {
        var (_, empty, _) = await PostAsync("/v1/invoices", "customer=cus_1");
        var id = empty.GetProperty("id").GetString();

        var (payDraft, _, _) = await PostAsync($"/v1/invoices/{id}/pay", "");
        var (_, finalized, _) = await PostAsync($"/v1/invoices/{id}/finalize", "");
        var (again, _, _) = await PostAsync($"/v1/invoices/{id}/finalize", "");
        var (voidPaid, _, _) = await PostAsync($"/v1/invoices/{id}/void", "");

        Assert.Equal(400, payDraft);
        Assert.Equal(("paid", 0L), (finalized.GetProperty("status").GetString(), finalized.GetProperty("amount_due").GetInt64()));
        Assert.Equal(400, again);
        Assert.Equal(400, voidPaid);
    }

    [Fact]
    public async Task Include_sweeps_the_customers_pending_items_and_send_invoice_requires_days_until_due()
    {
        await PostAsync("/v1/invoiceitems", "customer=cus_1&amount=100&currency=usd");
        await PostAsync("/v1/invoiceitems", "customer=cus_2&amount=999&currency=usd");

        var (_, swept, _) = await PostAsync("/v1/invoices", "customer=cus_1&pending_invoice_items_behavior=include");
        var (noDays, json, _) = await PostAsync("/v1/invoices", "customer=cus_1&collection_method=send_invoice");

        Assert.Equal(100, swept.GetProperty("amount_due").GetInt64());
        Assert.Equal((400, "parameter_missing"), (noDays, json.GetProperty("error").GetProperty("code").GetString()));
        Assert.Null(_emulator.InvoiceItems.Single(i => i.Customer == "cus_2").Invoice);
    }

    private async Task<(int Status, JsonElement Json, HttpResponseHeaders Headers)> PostAsync(
        string path, string body, AuthenticationHeaderValue? auth = null, bool anonymous = false, string version = StripeHarness.ApiVersion)
    {
        var (status, text, headers) = await RawPostAsync(path, body, Guid.NewGuid().ToString(), anonymous ? null : auth ?? Bearer(), version);
        using var document = JsonDocument.Parse(text);
        return (status, document.RootElement.Clone(), headers);
    }

    private Task<(int Status, string Body, HttpResponseHeaders Headers)> RawPostAsync(string path, string body, string key) =>
        RawPostAsync(path, body, key, Bearer(), StripeHarness.ApiVersion);

    private async Task<(int Status, string Body, HttpResponseHeaders Headers)> RawPostAsync(
        string path, string body, string key, AuthenticationHeaderValue? auth, string version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _emulator.BaseUrl + path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = auth;
        request.Headers.Add("Stripe-Version", version);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers);
    }

    private static AuthenticationHeaderValue Bearer() => new("Bearer", StripeHarness.SecretKey);
}
