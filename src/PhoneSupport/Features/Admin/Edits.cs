using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

/// <summary>A resource whose edits are counted: its <see cref="Revision"/> is its ETag.</summary>
public interface IRevisioned
{
    int Revision { get; }
}

/// <summary>
/// Optimistic concurrency for the editable resources (accounts, contracts, technicians). Every <c>GET</c> and
/// <c>PATCH</c> answers a strong <c>ETag</c> (<c>"7"</c>: the row's revision, bumped by every edit and by nothing
/// else, so a technician taking calls does not make an admin's edit stale). A <c>PATCH</c> with <c>If-Match</c> applies
/// only while one of the listed tags (or <c>*</c>) is current, checked again by the save itself (the revision is the
/// row's concurrency token): otherwise 412 and nothing changes. Without <c>If-Match</c> the edit is unconditional
/// (as GitHub's and Azure's APIs do); decision 014.
/// </summary>
public static class ETags
{
    public static string Format(int revision) => $"\"{revision}\"";

    /// <summary>Null when the request may proceed on this revision; the 412 problem otherwise.</summary>
    public static ProblemHttpResult? Precondition(string? ifMatch, int revision)
    {
        if (string.IsNullOrWhiteSpace(ifMatch)) return null;
        var current = Format(revision);
        foreach (var tag in ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (tag == "*" || tag == current)
                return null;
        return Stale(revision);
    }

    /// <summary>The request's <c>If-Match</c> header as one comma-separated list (null when absent).</summary>
    public static string? IfMatch(HttpRequest request) =>
        StringValues.IsNullOrEmpty(request.Headers.IfMatch) ? null : string.Join(",", request.Headers.IfMatch.ToArray());

    public static ProblemHttpResult Stale(int revision) =>
        TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed",
            detail: $"The resource changed since it was read (its ETag is now {Format(revision)}); read it again and re-apply the change. Nothing was changed.");

    /// <summary>Answers the <c>ETag</c> of the resource a handler returned (<see cref="IRevisioned"/>).</summary>
    public static RouteHandlerBuilder WithETag(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var inner = result is INestedHttpResult nested ? nested.Result : result as IResult;
            if (inner is IValueHttpResult { Value: IRevisioned revisioned } && revisioned.Revision > 0)
                context.HttpContext.Response.Headers.ETag = Format(revisioned.Revision);
            return result;
        }).ProducesProblem(StatusCodes.Status412PreconditionFailed);
}

/// <summary>
/// JSON merge patch (RFC 7396) bodies, sent as <c>application/merge-patch+json</c> or <c>application/json</c>: a member
/// left out is unchanged, a member set to <c>null</c> is removed (where the field may be empty; else a field error).
/// </summary>
public static class MergePatch
{
    public static async Task<Results<TOk, ProblemHttpResult>> WithPatchAsync<TBody, TOk>(
        HttpRequest request, Func<TBody, IReadOnlySet<string>, Task<Results<TOk, ProblemHttpResult>>> handle, CancellationToken ct)
        where TBody : class where TOk : IResult
    {
        request.EnableBuffering();
        return await AdminJson.WithBodyAsync<TBody, TOk>(request, async body => await handle(body, await MembersAsync(request, ct)), ct);
    }

    /// <summary>The member names the body sent (case-insensitive, as the body binding is).</summary>
    private static async Task<IReadOnlySet<string>> MembersAsync(HttpRequest request, CancellationToken ct)
    {
        var members = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        request.Body.Position = 0;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                foreach (var member in document.RootElement.EnumerateObject()) members.Add(member.Name);
        }
        catch (JsonException)
        {
            // Not UTF-8 (a charset the body binding transcoded): every member of the typed body that is set counts as sent.
        }
        return members;
    }
}
