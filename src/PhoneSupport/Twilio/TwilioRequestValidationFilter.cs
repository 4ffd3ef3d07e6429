using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;

namespace PhoneSupport.Twilio;

/// <summary>
/// Rejects requests whose <c>X-Twilio-Signature</c> does not match with an empty 403. The URL Twilio signed is
/// rebuilt as <c>PhoneSupport:PublicBaseUrl</c> + the raw request target, so proxies and tunnels in front of the
/// service do not matter and no forwarded header is trusted.
/// </summary>
public sealed partial class TwilioRequestValidationFilter : IEndpointFilter
{
    public const string SignatureHeader = "X-Twilio-Signature";

    private readonly RequestValidator validator;
    private readonly RequestValidator? secondary;
    private readonly string baseUrl;
    private readonly ILogger<TwilioRequestValidationFilter> logger;

    public TwilioRequestValidationFilter(
        IOptions<TwilioOptions> twilioOptions,
        IOptions<PhoneSupportOptions> phoneSupportOptions,
        ILogger<TwilioRequestValidationFilter> logger)
    {
        ArgumentNullException.ThrowIfNull(twilioOptions);
        ArgumentNullException.ThrowIfNull(phoneSupportOptions);
        var authToken = twilioOptions.Value.AuthToken;
        if (string.IsNullOrEmpty(authToken))
        {
            throw new InvalidOperationException("Twilio:AuthToken is required to validate Twilio requests.");
        }

        validator = new RequestValidator(authToken);
        var secondaryToken = twilioOptions.Value.SecondaryAuthToken;
        secondary = string.IsNullOrEmpty(secondaryToken) ? null : new RequestValidator(secondaryToken);
        baseUrl = phoneSupportOptions.Value.BaseUrl;
        this.logger = logger;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var httpContext = context.HttpContext;
        var request = httpContext.Request;

        var signatures = request.Headers[SignatureHeader];
        var signature = signatures.Count == 1 ? signatures[0] : null;
        var url = baseUrl + RawTarget(httpContext);
        var parameters = await ReadParametersAsync(request, httpContext.RequestAborted);

        if (parameters is null || !(validator.Validate(url, parameters, signature) || secondary?.Validate(url, parameters, signature) == true))
        {
            LogRejected(logger, request.Path);
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }

    /// <summary>Path and query exactly as received; falls back to the decoded form when no raw target is known.</summary>
    private static string RawTarget(HttpContext httpContext)
    {
        var rawTarget = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(rawTarget) && rawTarget[0] == '/')
        {
            return rawTarget;
        }

        var request = httpContext.Request;
        return request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
    }

    /// <summary>Every form field (no parameters when the body is not a form); null when the form is malformed.</summary>
    private static async Task<List<KeyValuePair<string, string?>>?> ReadParametersAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string?>>();
        if (!request.HasFormContentType)
        {
            return parameters;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            return null;
        }

        foreach (var (name, values) in form)
        {
            if (values.Count == 0)
            {
                parameters.Add(new(name, null));
            }

            foreach (var value in values)
            {
                parameters.Add(new(name, value));
            }
        }

        return parameters;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a request to {Path}: X-Twilio-Signature is missing or invalid")]
    private static partial void LogRejected(ILogger logger, PathString path);
}

public static class TwilioRequestValidationExtensions
{
    /// <summary>Requires a valid <c>X-Twilio-Signature</c> on every endpoint of the group (403 otherwise).</summary>
    public static RouteGroupBuilder ValidateTwilioRequest(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.AddEndpointFilter<TwilioRequestValidationFilter>();
        return group;
    }
}
