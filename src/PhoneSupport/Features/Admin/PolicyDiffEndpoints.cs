using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class PolicyDiffEndpoints
{
    public static RouteGroupBuilder MapPolicyDiff(this RouteGroupBuilder api)
    {
        api.MapPost("/policies/{provider}/diff", (string provider, HttpRequest request, PolicyDiffHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<PolicyDiffRequest, Ok<PolicyDiffResource>>(request, body => Task.FromResult(handler.Diff(provider, body)), ct))
            .JsonBody<PolicyDiffRequest>().RequireAuthorization(AdminPolicies.Read).WithTags("Policies")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }
}

/// <summary>
/// Two policy texts to compare: <see cref="Before"/> (null: the provider's policy loaded now) and <see cref="After"/>, each
/// the whole YAML of a <c>*.policy.yaml</c> file.
/// </summary>
public sealed record PolicyDiffRequest(
    [property: TextLimit(PolicyDiffRequest.MaxYaml, MultiLine = true)] string? Before,
    [property: TextLimit(PolicyDiffRequest.MaxYaml, MultiLine = true)] string? After)
{
    /// <summary>The longest policy text taken (the shipped files are under 4,000 characters).</summary>
    public const int MaxYaml = 100_000;
}

public sealed record PolicyDiffResource(string Provider, string BeforeVersion, string AfterVersion, IReadOnlyList<PolicyChangeResource> Changes)
{
    /// <summary>The diff between two policies of one provider, as the API answers it and <c>_PolicyDiff.cshtml</c> shows it.</summary>
    public static PolicyDiffResource Of(SupportPolicy before, SupportPolicy after) =>
        new(after.Provider, before.Version, after.Version, [.. PolicyDiff.Between(before, after).Select(PolicyChangeResource.Of)]);
}

/// <summary>One change: <c>label</c> names the value for people; <c>kind</c> is <c>added</c>, <c>removed</c> or <c>changed</c>; <c>before</c>/<c>after</c> null where absent.</summary>
public sealed record PolicyChangeResource(string Section, string Path, string Label, string Kind, string? Before, string? After, string Summary)
{
    public static PolicyChangeResource Of(PolicyChange c) => new(c.Section, c.Path, c.Label, c.Kind switch
    {
        PolicyChangeKind.Added => "added",
        PolicyChangeKind.Removed => "removed",
        _ => "changed",
    }, c.Before, c.After, c.Summary);
}

/// <summary>A problem in one of the two texts: the field (<c>before</c> or <c>after</c>), its line and what is wrong.</summary>
public sealed record PolicyTextError(string Field, int Line, string Message);

/// <summary>
/// The diff between two versions of a provider's policy (<see cref="PolicyDiff"/>), over their YAML texts. Each text is
/// validated exactly as the policy files are at start-up (<see cref="PolicyCatalog.Load"/>) and must be the route's
/// provider's; otherwise 422 with every problem's line. Reads only: nothing is written.
/// </summary>
public sealed partial class PolicyDiffHandler(PolicyCatalog policies, IOptions<PhoneSupportOptions> options)
{
    public Results<Ok<PolicyDiffResource>, ProblemHttpResult> Diff(string provider, PolicyDiffRequest body)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (policies.FromFile(provider) is not { } current) return Problems.NotFound($"No policy is loaded for provider '{provider}'.");
        if (string.IsNullOrWhiteSpace(body.After)) return Problems.Validation("after", "Required: the YAML text of the policy to compare (a whole *.policy.yaml).");

        var errors = new List<PolicyTextError>();
        var before = body.Before is null ? current : Read(provider, "before", body.Before, errors);
        var after = Read(provider, "after", body.After, errors);
        if (errors.Count > 0) return Invalid(errors);

        return TypedResults.Ok(PolicyDiffResource.Of(before!, after!));
    }

    /// <summary>The YAML of the provider's policy as loaded now (its file), for a form to start from; null when there is none.</summary>
    public string? CurrentText(string provider)
    {
        if (policies.FromFile(provider) is not { } policy) return null;
        var path = Path.Combine(options.Value.FlowsDirectory(), policy.FileName);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    public IReadOnlyList<string> Providers => [.. policies.Policies.Select(p => p.Provider).Order(StringComparer.Ordinal)];

    private static SupportPolicy? Read(string provider, string field, string text, List<PolicyTextError> errors)
    {
        var (catalog, problems) = PolicyCatalog.Load([($"{provider}.policy.yaml", text)]);
        errors.AddRange(problems.Select(p => new PolicyTextError(field, p.Line, p.Message)));
        if (catalog?.Policies is not [var policy]) return null;
        if (policy.Provider == provider) return policy;
        errors.Add(new PolicyTextError(field, LineOf(ProviderKey(), text),
            $"provider '{policy.Provider}' is not '{provider}': compare versions of one provider's policy"));
        return null;
    }

    private static int LineOf(Regex key, string text)
    {
        var match = key.Match(text);
        return match.Success ? text.AsSpan(0, match.Index).Count('\n') + 1 : 1;
    }

    /// <summary>422 with each problem as "line N: …" under its field, and the same as <c>lines</c>: [{ field, line, message }].</summary>
    private static ProblemHttpResult Invalid(List<PolicyTextError> errors)
    {
        var byField = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => $"line {e.Line}: {e.Message}").ToArray(), StringComparer.Ordinal);
        var problem = new HttpValidationProblemDetails(byField)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The policy is not valid.",
            Detail = $"{errors.Count} problem{(errors.Count == 1 ? "" : "s")} in the policy text; see errors for each field and line.",
        };
        problem.Extensions["lines"] = errors;
        return TypedResults.Problem(problem);
    }

    [GeneratedRegex(@"^provider[ \t]*:", RegexOptions.Multiline)]
    private static partial Regex ProviderKey();
}
