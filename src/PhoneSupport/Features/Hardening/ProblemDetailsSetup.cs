using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// Every error answers <c>application/problem+json</c>, in every environment: unhandled exceptions (500, no details
/// outside Development; input PostgreSQL or the request reader refuses becomes 400), empty 4xx/5xx such as routing's
/// 404 and 405 (console pages get a small HTML page instead), and bad text in query strings, routes and forms
/// (<see cref="BadInputMiddleware"/>). See README, "Input limits and errors".
/// </summary>
public static class ProblemDetailsSetup
{
    public static WebApplicationBuilder AddProblemResponses(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            if (development && c.Exception is { } e && c.ProblemDetails.Status >= 500) c.ProblemDetails.Detail = $"{e.GetType().Name}: {e.Message}";
        });
        builder.Services.AddExceptionHandler<BadInputExceptionHandler>();
        // A number is a JSON number: "minutes": "30" is the wrong type (the web defaults read numbers from strings).
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return builder;
    }

    /// <summary>Ahead of everything else that answers: the exception handler, the empty-status pages, the input check.</summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            if (http.Request.Path.StartsWithSegments("/console"))
            {
                var title = WebUtility.HtmlEncode(ReasonPhrase(status));
                http.Response.ContentType = "text/html; charset=utf-8";
                await http.Response.WriteAsync(
                    $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} – PhoneSupport console</title></head>" +
                    $"<body><main><h1>{status} {title}</h1><p><a href=\"/console\">Back to the console</a></p></main></body></html>");
                return;
            }
            await TypedResults.Problem(statusCode: status).ExecuteAsync(http);
        });
        app.UseMiddleware<BadInputMiddleware>();
        return app;
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } p ? p : "Error";
}

/// <summary>
/// Exceptions that mean the request itself was bad, answered 4xx instead of 500: a body the server cannot read
/// (<see cref="BadHttpRequestException"/>: too large, malformed form), text or a value PostgreSQL refuses (SQLSTATE
/// class 22, data exceptions: NUL in text, out-of-range dates and numbers), text that cannot be encoded. The checks at
/// the edge should catch all of these first; this is the net under them, and it logs a warning when it catches one.
/// </summary>
internal sealed partial class BadInputExceptionHandler(ILogger<BadInputExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Classify(exception) is not { } answer) return false;
        LogRefused(logger, answer.Status, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
        httpContext.Response.StatusCode = answer.Status;
        await TypedResults.Problem(statusCode: answer.Status, title: answer.Title, detail: answer.Detail).ExecuteAsync(httpContext);
        return true;
    }

    internal static (int Status, string Title, string Detail)? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BadHttpRequestException bad:
                    return (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                        bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is larger than this endpoint accepts." : "The request could not be read.");
                case InvalidDataException:
                    return (StatusCodes.Status400BadRequest, "Bad request", "The form could not be read.");
                case JsonException:
                    return (StatusCodes.Status400BadRequest, "The request is not valid.", "The body is not valid JSON.");
                case EncoderFallbackException or DecoderFallbackException:
                    return (StatusCodes.Status400BadRequest, "The request is not valid.", "The request holds text that is not valid Unicode.");
                case PostgresException { SqlState: var state } when state.StartsWith("22", StringComparison.Ordinal):
                    return (StatusCodes.Status400BadRequest, "The request is not valid.", "A value in the request cannot be stored (out of range or not valid text).");
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Status} {Method} {Path}: {Exception} (bad input that the edge checks let through)")]
    private static partial void LogRefused(ILogger logger, int status, string method, string path, string exception);
}

/// <summary>
/// Refuses bad text in the query string, the path and form fields of every request but the signed webhooks
/// (<c>/twilio</c>, <c>/stripe</c>): control characters (NUL included) and unpaired surrogates anywhere, query and
/// route values over <see cref="InputRules.MaxQueryText"/> characters, form fields over <see cref="InputRules.MaxFormText"/>
/// (line breaks are fine in forms). 400 problem+json naming the field.
/// </summary>
public sealed class BadInputMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/twilio") || request.Path.StartsWithSegments("/stripe"))
        {
            await next(context);
            return;
        }
        var errors = new Platform.FieldErrors();
        if (InputRules.TextProblem(request.Path.Value ?? "", 4 * InputRules.MaxQueryText) is { } pathProblem) errors.Add("path", pathProblem);
        foreach (var (key, values) in request.Query)
        {
            var field = InputRules.TextProblem(key, InputRules.MaxText) is null ? key : "query";
            if (field == "query") errors.Add(field, "A query parameter name holds control characters or is too long.");
            foreach (var value in values)
                if (InputRules.TextProblem(value ?? "", InputRules.MaxQueryText) is { } problem) errors.Add(field, problem);
        }
        if (!errors.Any && request.HasFormContentType && !HttpMethods.IsGet(request.Method))
        {
            var form = await request.ReadFormAsync(context.RequestAborted);
            foreach (var (key, values) in form)
            {
                var field = InputRules.TextProblem(key, InputRules.MaxText) is null ? key : "form";
                if (field == "form") errors.Add(field, "A form field name holds control characters or is too long.");
                foreach (var value in values)
                    if (InputRules.TextProblem(value ?? "", InputRules.MaxFormText, multiLine: true) is { } problem) errors.Add(field, problem);
            }
        }
        if (errors.Any)
        {
            await Platform.Problems.Validation(errors).ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
