using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace PhoneSupport.Emulators.Twilio.Rest;

/// <summary>The endpoints: validation with Twilio's error codes, state changes, JSON answers.</summary>
public sealed partial class TwilioEmulator
{
    private static readonly string[] CallbackEvents = ["initiated", "ringing", "answered", "completed"];
    private static readonly string[] StartTimeFilters = ["StartTime>", "StartTime<", "StartTime"];

    private (int, object) CreateCall(EmulatorRequest request, HttpContext context)
    {
        var (to, from, url, twiml) = (request["To"], request["From"], request["Url"], request["Twiml"]);
        var timeoutText = request["Timeout"];
        var events = request.All("StatusCallbackEvent").SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        (int, object)? invalid =
            string.IsNullOrEmpty(to) ? EmulatorJson.Error(400, 21201, "No 'To' number is specified")
            : string.IsNullOrEmpty(from) ? EmulatorJson.Error(400, 21213, "No 'From' number is specified")
            : !IsAddress(to) ? EmulatorJson.Error(400, 21211, $"Invalid 'To' Phone Number: {to}")
            : url is null && twiml is null && request["ApplicationSid"] is null ? EmulatorJson.Error(400, 21205, "Url parameter is required")
            : url is not null && !IsHttpUrl(url) ? EmulatorJson.Error(400, 21205, $"Url is not a valid URL: {url}")
            : twiml is { Length: > 4000 } ? EmulatorJson.Error(400, 32018, "Twiml is longer than 4000 characters")
            : !IsMethod(request["Method"]) || !IsMethod(request["StatusCallbackMethod"]) ? EmulatorJson.Error(400, 20001, "Method must be GET or POST")
            : timeoutText is not null && !(int.TryParse(timeoutText, CultureInfo.InvariantCulture, out var t) && t is >= 1 and <= 600)
                ? EmulatorJson.Error(400, 20001, "Timeout must be between 1 and 600 seconds")
            : events.Except(CallbackEvents).FirstOrDefault() is { } unknown ? EmulatorJson.Error(400, 20001, $"Invalid StatusCallbackEvent: {unknown}")
            : null;
        if (invalid is { } error)
        {
            return error;
        }

        var now = _time.GetUtcNow();
        EmulatedCall call;
        lock (_gate)
        {
            var timestamp = _time.GetTimestamp();
            if (_options.CallsPerSecond is { } cps && _lastCreateTimestamp is { } last
                && _time.GetElapsedTime(last, timestamp) < TimeSpan.FromSeconds(1 / cps))
            {
                return EmulatorJson.Error(429, 20429, "Too Many Requests");
            }

            _lastCreateTimestamp = timestamp;
            call = new EmulatedCall
            {
                Sid = Twiml.NewSid("CA"), AccountSid = _options.AccountSid, To = to!, From = from!, Direction = "outbound-api",
                Parameters = request.Form, DateCreated = now, DateUpdated = now,
                Timeout = timeoutText is null ? 60 : int.Parse(timeoutText, CultureInfo.InvariantCulture),
                Url = url, Method = Upper(request["Method"]), Twiml = url is null ? twiml : null,
                StatusCallback = request["StatusCallback"], StatusCallbackMethod = Upper(request["StatusCallbackMethod"]),
                StatusCallbackEvents = events.Count > 0 ? events.Distinct().ToList() : ["completed"],
            };
            _calls.Add(call);
        }

        if (_options.DriveOutboundCalls)
        {
            // Twilio starts the call after answering the create; so does the emulator.
            context.Response.OnCompleted(() =>
            {
                _ = RunCallAsync(call.Sid);
                return Task.CompletedTask;
            });
        }

        return (201, EmulatorJson.Call(call));
    }

    private (int, object) UpdateCall(EmulatorRequest request, string callSid)
    {
        var call = FindCall(callSid);
        if (call is null)
        {
            return NotFound(request.Path);
        }

        var (url, twiml, status) = (request["Url"], request["Twiml"], request["Status"]);
        if (url is not null && twiml is not null)
        {
            return EmulatorJson.Error(400, 20001, "Url and Twiml are mutually exclusive");
        }

        if ((url is not null && !IsHttpUrl(url)) || !IsMethod(request["Method"]))
        {
            return EmulatorJson.Error(400, 21205, $"Url is not a valid URL: {url}");
        }

        if (status is not (null or "completed" or "canceled"))
        {
            return EmulatorJson.Error(400, 20001, $"Status must be completed or canceled, not {status}");
        }

        lock (_gate)
        {
            if ((url ?? twiml) is not null && call.IsOver)
            {
                return EmulatorJson.Error(400, 21220, "Call is not in-progress. Cannot redirect.");
            }

            call.AddUpdate(request.Form);
            var now = _time.GetUtcNow();
            call.DateUpdated = now;
            if (url is not null)
            {
                (call.Url, call.Method, call.Twiml) = (url, Upper(request["Method"]), null);
            }
            else if (twiml is not null)
            {
                (call.Url, call.Twiml) = (null, twiml);
            }

            if (request["StatusCallback"] is { } callback)
            {
                (call.StatusCallback, call.StatusCallbackMethod) = (callback, Upper(request["StatusCallbackMethod"]));
            }

            // Emulator rule: ending a call that has not been answered cancels it; "canceled" leaves an answered call alone.
            var ended = (status, call.Status) switch
            {
                (null, _) or (_, "completed" or "busy" or "failed" or "no-answer" or "canceled") => null,
                (_, "queued" or "ringing") => "canceled",
                ("completed", _) => "completed",
                _ => null,
            };
            if (ended is not null)
            {
                (call.Status, call.EndTime) = (ended, now);
                call.Duration = call.StartTime is { } start ? (int)Math.Round((now - start).TotalSeconds) : 0;
            }
        }

        return (200, EmulatorJson.Call(call));
    }

    private (int, object) ListCalls(EmulatorRequest request)
    {
        var page = int.TryParse(request["Page"], CultureInfo.InvariantCulture, out var p) && p >= 0 ? p : 0;
        var pageSize = int.TryParse(request["PageSize"], CultureInfo.InvariantCulture, out var s) ? Math.Clamp(s, 1, 1000) : 50;
        var filters = request.Query.Where(q => q.Key is not ("Page" or "PageSize" or "PageToken")).ToList();
        var matching = Calls.Where(c => filters.All(f => Matches(c, f.Key, f.Value)))
            .OrderByDescending(c => c.DateCreated).ToList();
        var uri = $"/2010-04-01/Accounts/{_options.AccountSid}/Calls.json";
        string PageUri(int n) => $"{uri}?{string.Join('&', filters.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"))}"
            + $"{(filters.Count > 0 ? "&" : "")}PageSize={pageSize}&Page={n}";
        var calls = matching.Skip(page * pageSize).Take(pageSize).Select(EmulatorJson.Call).ToList();
        return (200, new Dictionary<string, object?>
        {
            ["calls"] = calls,
            ["end"] = (page * pageSize) + Math.Max(calls.Count - 1, 0),
            ["first_page_uri"] = PageUri(0),
            ["next_page_uri"] = (page + 1) * pageSize < matching.Count ? PageUri(page + 1) : null,
            ["page"] = page,
            ["page_size"] = pageSize,
            ["previous_page_uri"] = page > 0 ? PageUri(page - 1) : null,
            ["start"] = page * pageSize,
            ["uri"] = PageUri(page),
        });
    }

    private (int, object) CreateMessage(EmulatorRequest request)
    {
        var (to, from, service, body) = (request["To"], request["From"], request["MessagingServiceSid"], request["Body"]);
        (int, object)? invalid =
            string.IsNullOrEmpty(to) ? EmulatorJson.Error(400, 21604, "A 'To' phone number is required.")
            : string.IsNullOrEmpty(from) && string.IsNullOrEmpty(service) ? EmulatorJson.Error(400, 21603, "A 'From' phone number is required.")
            : string.IsNullOrEmpty(body) ? EmulatorJson.Error(400, 21602, "Message body is required.")
            : !IsAddress(to) ? EmulatorJson.Error(400, 21211, $"Invalid 'To' Phone Number: {to}")
            : null;
        if (invalid is { } error)
        {
            return error;
        }

        var message = new EmulatedMessage(Twiml.NewSid("SM"), to!, from, service, body!, request["StatusCallback"],
            service is null ? "queued" : "accepted", _time.GetUtcNow(), request.Form);
        lock (_gate)
        {
            _messages.Add(message);
        }

        return (201, EmulatorJson.Message(message, _options.AccountSid));
    }

    private static bool Matches(EmulatedCall call, string key, string value) => key switch
    {
        "To" => call.To == value,
        "From" => call.From == value,
        "Status" => call.Status == value,
        "ParentCallSid" => false,
        _ when StartTimeFilters.Contains(key) => DateOnly.TryParseExact(value.Length >= 10 ? value[..10] : value, "yyyy-MM-dd",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && DateOnly.FromDateTime((call.StartTime ?? call.DateCreated).UtcDateTime) is var started
            && key switch { "StartTime>" => started >= day, "StartTime<" => started <= day, _ => started == day },
        _ => true,
    };

    private static bool IsAddress(string? to) =>
        to is not null && (E164().IsMatch(to) || to.StartsWith("client:", StringComparison.Ordinal) || to.StartsWith("sip:", StringComparison.Ordinal));

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsMethod(string? method) => method is null || method.ToUpperInvariant() is "GET" or "POST";

    private static string Upper(string? method) => method?.ToUpperInvariant() ?? "POST";

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$")]
    private static partial Regex E164();
}
