using System.Net;
using System.Net.Sockets;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>Retries, timeouts and the create rule: never dial twice when Twilio may already have taken the call.</summary>
public sealed class RestClientResilienceTests : IAsyncLifetime
{
    private RestHarness _rest = null!;

    public async Task InitializeAsync() => _rest = await RestHarness.StartAsync();

    public async Task DisposeAsync() => await _rest.DisposeAsync();

    [Fact]
    public async Task A_429_on_create_is_retried_and_the_call_is_created_once()
    {
        _rest.Emulator.FailNext(TwilioEndpoint.CreateCall, 429, 20429, count: 2);

        var call = await _rest.Client.CreateCallAsync(RestHarness.Call());

        Assert.Equal([429, 429, 201], _rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall).Select(r => r.ResponseStatus));
        Assert.Equal(call.Sid, _rest.Emulator.Calls.Single().Sid);
    }

    [Fact]
    public async Task When_429_never_stops_the_create_fails_with_twilios_error_after_the_retries()
    {
        _rest.Emulator.FailNext(TwilioEndpoint.CreateCall, 429, 20429, count: 10);

        var error = await Assert.ThrowsAsync<TwilioApiException>(() => _rest.Client.CreateCallAsync(RestHarness.Call()));

        Assert.Equal((429, 20429), (error.Status, error.Code));
        Assert.Equal(1 + _rest.Options.MaxRetries, _rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall).Count);
        Assert.Empty(_rest.Emulator.Calls);
    }

    [Fact]
    public async Task A_500_after_twilio_created_the_call_is_not_retried_and_the_call_can_be_found()
    {
        _rest.Emulator.FailAfterProcessingNext(TwilioEndpoint.CreateCall);

        var unknown = await Assert.ThrowsAsync<TwilioCreateOutcomeUnknownException>(() => _rest.Client.CreateCallAsync(RestHarness.Call()));

        Assert.Single(_rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall));
        var created = Assert.Single(_rest.Emulator.Calls); // no double dial
        Assert.Equal((500, 20500), (unknown.ApiError!.Status, unknown.ApiError.Code));
        Assert.False(unknown.TimedOut);
        Assert.Equal(RestHarness.Technician, unknown.CallRequest!.To);
        Assert.DoesNotContain(RestHarness.Technician, unknown.Message, StringComparison.Ordinal); // redacted

        var found = await _rest.Client.FindCallsPossiblyCreatedAsync(unknown);
        Assert.Equal(created.Sid, Assert.Single(found).Sid);
    }

    [Fact]
    public async Task A_500_without_a_call_is_not_retried_either_and_the_check_finds_nothing()
    {
        await _rest.Client.CreateCallAsync(RestHarness.Call(to: RestHarness.Customer));
        _rest.Emulator.FailNext(TwilioEndpoint.CreateCall, 500, 20500);

        var unknown = await Assert.ThrowsAsync<TwilioCreateOutcomeUnknownException>(() => _rest.Client.CreateCallAsync(RestHarness.Call()));

        Assert.Equal(2, _rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall).Count);
        Assert.Empty(await _rest.Client.FindCallsPossiblyCreatedAsync(unknown));
        Assert.Contains("HTTP 500 (Twilio error 20500)", unknown.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_taken_but_answered_500_is_not_sent_twice()
    {
        _rest.Emulator.FailAfterProcessingNext(TwilioEndpoint.CreateMessage, 502, 20500);

        var unknown = await Assert.ThrowsAsync<TwilioCreateOutcomeUnknownException>(() => _rest.Client.CreateMessageAsync(
            new CreateMessageOptions(RestHarness.Customer) { From = RestHarness.From, Body = "Ticket 7 is closed." }));

        Assert.Equal("Ticket 7 is closed.", unknown.MessageRequest!.Body);
        Assert.Null(unknown.CallRequest);
        Assert.Single(_rest.Emulator.Messages);
        Assert.Single(_rest.Emulator.RequestsTo(TwilioEndpoint.CreateMessage));
    }

    [Fact]
    public async Task A_create_that_times_out_is_reported_unknown_and_twilio_may_still_create_it()
    {
        var options = RestHarness.FastOptions();
        // Generous margins: under a loaded test run, a 200 ms timeout could expire before the request even reached the emulator.
        options.RequestTimeout = TimeSpan.FromSeconds(1);
        await using var slow = await RestHarness.StartAsync(options);
        slow.Emulator.DelayNext(TwilioEndpoint.CreateCall, TimeSpan.FromSeconds(3));

        var unknown = await Assert.ThrowsAsync<TwilioCreateOutcomeUnknownException>(() => slow.Client.CreateCallAsync(RestHarness.Call()));

        Assert.True(unknown.TimedOut);
        Assert.Single(slow.Emulator.RequestsTo(TwilioEndpoint.CreateCall));
        await RestHarness.EventuallyAsync(() => slow.Emulator.Calls.Count == 1, "the slow create is carried out");
        Assert.Single(await slow.Client.FindCallsPossiblyCreatedAsync(unknown));
    }

    [Fact]
    public async Task Cancelling_reaches_the_request_in_flight_although_the_library_takes_no_token()
    {
        var call = await _rest.Client.CreateCallAsync(RestHarness.Call());
        _rest.Emulator.DelayNext(TwilioEndpoint.FetchCall, TimeSpan.FromSeconds(4));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _rest.Client.FetchCallAsync(call.Sid, cancel.Token));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"cancelled after {started.Elapsed}");
        await RestHarness.EventuallyAsync(() => _rest.Emulator.RequestsTo(TwilioEndpoint.FetchCall).Count >= 1, "the slow fetch is logged");
        Assert.Single(_rest.Emulator.RequestsTo(TwilioEndpoint.FetchCall)); // cancelled, not retried
    }

    [Fact]
    public async Task Fetch_update_and_list_are_retried_on_5xx_and_429()
    {
        var call = await _rest.Client.CreateCallAsync(RestHarness.Call());
        _rest.Emulator.FailNext(TwilioEndpoint.FetchCall, 503, 20503);
        _rest.Emulator.FailNext(TwilioEndpoint.UpdateCall, 500, 20500);
        _rest.Emulator.FailNext(TwilioEndpoint.ListCalls, 429, 20429, count: 2);

        var fetched = await _rest.Client.FetchCallAsync(call.Sid);
        var updated = await _rest.Client.UpdateCallAsync(call.Sid, UpdateCallOptions.Complete());
        var listed = await _rest.Client.ListCallsAsync(new ListCallsOptions { To = RestHarness.Technician });

        Assert.Equal(call.Sid, fetched!.Sid);
        Assert.Equal(CallStatus.Canceled, updated.Status); // ending a call still queued cancels it
        Assert.Equal(call.Sid, Assert.Single(listed).Sid);
        Assert.Equal([503, 200], _rest.Emulator.RequestsTo(TwilioEndpoint.FetchCall).Select(r => r.ResponseStatus));
        Assert.Equal([500, 200], _rest.Emulator.RequestsTo(TwilioEndpoint.UpdateCall).Select(r => r.ResponseStatus));
        Assert.Equal([429, 429, 200], _rest.Emulator.RequestsTo(TwilioEndpoint.ListCalls).Select(r => r.ResponseStatus));
        Assert.Single(_rest.Emulator.FindCall(call.Sid)!.Updates);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_because_nothing_reached_twilio()
    {
        var port = FreePort();
        var emulatorOptions = new TwilioEmulatorOptions { AccountSid = RestHarness.AccountSid, AuthToken = RestHarness.AuthToken, Port = port };
        var options = RestHarness.FastOptions();
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
        options.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
        TwilioEmulator? emulator = null;
        var failures = new FailureProbe(async () => await emulator!.StartAsync()) { InnerHandler = new SocketsHttpHandler() };
        await using var rest = await RestHarness.StartAsync(options, emulatorOptions, apiBaseUrl: $"http://127.0.0.1:{port}", handler: failures);
        emulator = rest.Emulator;

        var call = await rest.Client.CreateCallAsync(RestHarness.Call());

        Assert.Equal(1, failures.Failures); // refused once, then the server was up
        Assert.Equal(call.Sid, Assert.Single(rest.Emulator.Calls).Sid);
        Assert.Single(rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall));
    }

    [Fact]
    public async Task A_connection_refused_every_time_gives_up_after_the_retries()
    {
        var failures = new FailureProbe(() => Task.CompletedTask) { InnerHandler = new SocketsHttpHandler() };
        await using var rest = await RestHarness.StartAsync(apiBaseUrl: $"http://127.0.0.1:{FreePort()}", handler: failures);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => rest.Client.CreateCallAsync(RestHarness.Call()));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(1 + rest.Options.MaxRetries, failures.Failures);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Counts transport failures and runs <paramref name="onFirstFailure"/> after the first one.</summary>
    private sealed class FailureProbe(Func<Task> onFirstFailure) : DelegatingHandler
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException)
            {
                if (Interlocked.Increment(ref _failures) == 1)
                {
                    await onFirstFailure();
                }

                throw;
            }
        }
    }
}
