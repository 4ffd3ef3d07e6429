using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhoneSupport.Features.Console;
using PhoneSupport.Tests.Console;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>
/// Production as deployed (issue 16): TLS ends at the ingress and the pod sees plain HTTP, several replicas share one
/// database, and the probes and the OpenAPI document stay off the public side.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class BehindProxyTests(ServiceFixture fixture)
{
    private const string PublicHost = "support.example.com";
    private static readonly Uri PublicOrigin = new($"https://{PublicHost}");

    [Fact]
    public async Task OverPlainHttp_FromAKnownProxySayingHttps_TheConsoleSignsInRedirectsAndTakesForms()
    {
        var (admin, password) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Admin);
        await using var pod = KestrelPod(out var podUrl, new() { ["PhoneSupport:PublicBaseUrl"] = PublicOrigin.ToString() });
        using var client = ThroughProxy(podUrl, new CookieContainer());

        // The cookie handler's redirect is built from the forwarded scheme and host.
        var anonymous = await client.GetAsync("/console/admin/staff");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        var signInUrl = anonymous.Headers.Location!;
        Assert.Equal($"https://{PublicHost}/console/sign-in?returnUrl=%2Fconsole%2Fadmin%2Fstaff", signInUrl.ToString());

        var page = await client.GetAsync(signInUrl.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csrf = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-phonesupport-csrf=", StringComparison.Ordinal));
        Assert.Contains("secure", csrf, StringComparison.OrdinalIgnoreCase);

        var signedIn = await ConsoleClient.PostFormAsync(client, signInUrl.PathAndQuery, new() { ["UserName"] = admin, ["Password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/console/admin/staff", signedIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(signedIn.Headers.Location)).StatusCode);

        var userName = "proxied." + TestAccounts.UniqueDigits(8);
        var created = await ConsoleClient.PostFormAsync(client, "/console/admin/staff",
            new() { ["Input.UserName"] = userName, ["Input.DisplayName"] = "Made behind the proxy", ["Input.Role"] = StaffRoles.Finance });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("Made behind the proxy", await fixture.ScalarAsync<string>("select display_name from staff_users where user_name = $1", userName));

        // A forwarded host the service does not serve is not believed: links and redirects keep the pod's own.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/console/admin");
        forged.Headers.Add("X-Forwarded-Proto", "https");
        forged.Headers.Add("X-Forwarded-Host", "evil.example");
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = podUrl };
        var redirected = await plain.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.DoesNotContain("evil.example", redirected.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedHeaders_FromAnAddressNotListed_AreNotBelieved_AndTheConsoleRefusesPlainHttpCleanly()
    {
        var (admin, password) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Admin);
        // The ingress network is 10.244.0.0/16; this test's requests come from 127.0.0.1.
        await using var pod = KestrelPod(out var podUrl, new()
        {
            ["PhoneSupport:PublicBaseUrl"] = PublicOrigin.ToString(),
            ["PhoneSupport:ForwardedHeaders:KnownNetworks"] = "10.244.0.0/16",
        });
        using var client = ThroughProxy(podUrl, new CookieContainer());

        var page = await client.GetAsync("/console/sign-in");
        var signIn = await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = admin, ["Password"] = password }));
        var admin_ = await client.GetAsync("/console/admin");

        foreach (var response in new[] { page, signIn, admin_ })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("The console needs HTTPS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
        Assert.Equal(0, await fixture.ScalarAsync<int>("select failed_sign_ins from staff_users where user_name = $1", admin));
        Assert.Null(await fixture.ScalarAsync<DateTime?>("select last_sign_in_at from staff_users where user_name = $1", admin));
    }

    [Fact]
    public async Task SignedInOnOneInstance_TheNextInstanceOpensThePage_AndTakesTheForm_OnOneSharedKey()
    {
        var database = "phonesupport_keys_" + TestAccounts.UniqueDigits(6);
        var connection = await fixture.Server.CreateDatabaseAsync(database);
        await using var first = fixture.CreateFactory("Production", connection);
        await using var second = fixture.CreateFactory("Production", connection);
        // Both start together on an empty key table: they must agree on one key, not make one each.
        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "select count(*) from data_protection_keys"));

        var (admin, password) = await CreateAdminAsync(first);
        var cookies = new CookieContainer();
        using var onFirst = first.CreateDefaultClient(new Uri("https://localhost"), new CookieJar(cookies, new Uri("https://localhost")));
        using var onSecond = second.CreateDefaultClient(new Uri("https://localhost"), new CookieJar(cookies, new Uri("https://localhost")));

        Assert.Equal(HttpStatusCode.Redirect, (await ConsoleClient.SignInAsync(onFirst, admin, password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/console/admin/staff")).StatusCode);

        // The form and its antiforgery token come from the first instance, the post goes to the second.
        var token = await ConsoleClient.TokenAsync(onFirst, "/console/admin/staff");
        var userName = "shared.key." + TestAccounts.UniqueDigits(6);
        var posted = await onSecond.PostAsync("/console/admin/staff", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.DisplayName"] = "Posted on the second instance",
            ["Input.Role"] = StaffRoles.Finance,
        }));

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(1L, await ScalarAsync<long>(connection, "select count(*) from staff_users where user_name = $1", userName));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "select count(*) from data_protection_keys"));

        // A third instance, started later, reads the same key.
        await using var third = fixture.CreateFactory("Production", connection);
        using var onThird = third.CreateDefaultClient(new Uri("https://localhost"), new CookieJar(cookies, new Uri("https://localhost")));
        Assert.Equal(HttpStatusCode.OK, (await onThird.GetAsync("/console/admin/staff")).StatusCode);
        Assert.Equal(1L, await ScalarAsync<long>(connection, "select count(*) from data_protection_keys"));
    }

    [Fact]
    public async Task TwilioSignatures_BehindTheProxy_AreCheckedAgainstThePublicBaseUrl_NeverTheForwardedOrLocalAddress()
    {
        await using var pod = KestrelPod(out var podUrl, new() { ["PhoneSupport:PublicBaseUrl"] = PublicOrigin.ToString() });
        using var client = ThroughProxy(podUrl, new CookieContainer());
        var callSid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(callSid);

        async Task<HttpResponseMessage> PostSignedOver(string url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/twilio/voice")
            {
                Content = new FormUrlEncodedContent(form.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value ?? ""))),
            };
            request.Headers.Add(PhoneSupport.Emulators.Twilio.TwilioSigner.HeaderName, PhoneSupport.Emulators.Twilio.TwilioSigner.Sign(ServiceFixture.AuthToken, url, form));
            return await client.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await PostSignedOver(new Uri(podUrl, "/twilio/voice").ToString())).StatusCode);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from calls where call_sid = $1", callSid));

        var signed = await PostSignedOver($"https://{PublicHost}/twilio/voice");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.StartsWith("application/xml", signed.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from calls where call_sid = $1", callSid));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/openapi/v1.json")]
    public async Task ManagementPaths_AnswerThePodDirectly_ButNotARequestThatCameThroughAProxy(string path)
    {
        await using var production = fixture.CreateFactory("Production", fixture.ConnectionString);
        using var client = production.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);

        using var proxied = new HttpRequestMessage(HttpMethod.Get, path);
        proxied.Headers.Add("X-Forwarded-For", "203.0.113.7");
        proxied.Headers.Add("X-Forwarded-Proto", "https");
        var response = await client.SendAsync(proxied);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_WhenTheDatabasePortGoesDead_Is503_WithNothingAboutWhy()
    {
        var target = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        using var relay = TcpRelay.Start(target.Host!, target.Port);
        var throughRelay = new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Host = "127.0.0.1", Port = relay.Port, Timeout = 5 }.ConnectionString;
        await using var production = fixture.CreateFactory("Production", throughRelay);
        using var client = production.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var port = relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        relay.Dispose();

        // Twice: the pooled connection that broke, then a new connection refused at the dead port.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var response = await client.GetAsync("/readyz");
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal("Not ready", problem.RootElement.GetProperty("title").GetString());
            Assert.False(problem.RootElement.TryGetProperty("detail", out _), body);
            Assert.DoesNotContain(":" + port, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void KnownNetworks_ThatAreNotCidrRanges_StopTheStart_NamingTheKey()
    {
        using var factory = fixture.CreateFactory("Production", fixture.ConnectionString,
            new Dictionary<string, string?> { ["PhoneSupport:ForwardedHeaders:KnownNetworks"] = "10.244.0.0/16, ingress-nginx" });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("PhoneSupport:ForwardedHeaders:KnownNetworks: 'ingress-nginx' is not a CIDR range", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A pod: the service on a real loopback Kestrel port (the remote address is 127.0.0.1, as a proxy's would be).</summary>
    private WebApplicationFactory<Program> KestrelPod(out Uri url, Dictionary<string, string?> overrides)
    {
        var port = FreePort();
        url = new Uri($"http://127.0.0.1:{port}");
        var factory = fixture.CreateFactory("Production", fixture.ConnectionString, overrides);
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        factory.StartServer();
        return factory;
    }

    /// <summary>What the ingress sends the pod: plain HTTP with the client's scheme, host and address in forwarded headers.</summary>
    private static HttpClient ThroughProxy(Uri podUrl, CookieContainer cookies)
    {
        var client = new HttpClient(new CookieJar(cookies, PublicOrigin) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false } })
        {
            BaseAddress = podUrl,
        };
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        client.DefaultRequestHeaders.Add("X-Forwarded-Host", PublicHost);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        return client;
    }

    private static async Task<(string UserName, string Password)> CreateAdminAsync(WebApplicationFactory<Program> factory)
    {
        using var scope = factory.Services.CreateScope();
        var handler = scope.ServiceProvider.GetRequiredService<StaffUsersHandler>();
        var creator = StaffSignIn.Principal(new StaffUser(Guid.NewGuid(), "test.admin", "Test Admin", StaffRoles.Admin, null, "", NodaTime.SystemClock.Instance.GetCurrentInstant(), "tests"));
        var userName = "admin." + TestAccounts.UniqueDigits(8);
        var result = await handler.CreateAsync(new CreateStaffUserRequest(userName, "Test admin", StaffRoles.Admin, null), creator, default);
        var created = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Created<StaffUserResource>>(result.Result);
        return (userName, created.Value!.Password!);
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A browser's cookie store for the public origin: the pod is reached over plain HTTP, but the cookies are the
    /// browser's for https://support.example.com (Secure, <c>__Host-</c>), so they are kept and sent for that origin.
    /// </summary>
    private sealed class CookieJar(CookieContainer cookies, Uri origin) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = cookies.GetCookieHeader(origin);
            if (header.Length > 0) request.Headers.Add("Cookie", header);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
                foreach (var value in values) cookies.SetCookies(origin, value);
            return response;
        }
    }

    /// <summary>A loopback TCP relay to PostgreSQL; disposing it closes the port and every relayed connection (a dead database).</summary>
    private sealed class TcpRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _open = [];
        private readonly CancellationTokenSource _stop = new();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static TcpRelay Start(string host, int port)
        {
            var relay = new TcpRelay();
            relay._listener.Start();
            _ = relay.AcceptAsync(host, port);
            return relay;
        }

        private async Task AcceptAsync(string host, int port)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var outbound = new TcpClient();
                    await outbound.ConnectAsync(host, port, _stop.Token);
                    lock (_open) _open.AddRange([inbound, outbound]);
                    _ = PumpAsync(inbound, outbound);
                    _ = PumpAsync(outbound, inbound);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task PumpAsync(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream(), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
            {
            }
            finally
            {
                to.Dispose();
            }
        }

        public void Dispose()
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            _listener.Stop();
            lock (_open) foreach (var client in _open) client.Dispose();
        }
    }
}
