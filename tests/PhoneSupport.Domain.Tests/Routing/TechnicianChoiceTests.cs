using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Routing;

namespace PhoneSupport.Domain.Tests.Routing;

public sealed class TechnicianChoiceTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 5, 15, 0);

    private static PoolTechnician Tech(string id, int idleMinutes, string[]? skills = null, string[]? languages = null, bool onCall = true) =>
        new(Guid.Parse(id), "T" + id[..2], "+1555020" + id[..4], [.. skills ?? []], [.. languages ?? ["en"]], onCall, Now - Duration.FromMinutes(idleMinutes), 1);

    private static readonly PoolTechnician A = Tech("aaaaaaaa-0000-4000-8000-000000000001", 5);
    private static readonly PoolTechnician B = Tech("bbbbbbbb-0000-4000-8000-000000000002", 30, ["sales"], ["de"], onCall: false);
    private static readonly PoolTechnician C = Tech("cccccccc-0000-4000-8000-000000000003", 10);

    private static TechnicianPoolFact Pool(params PoolTechnician[] free) => new(free, null, [], 3);

    [Fact]
    public void The_one_idle_longest_is_taken_when_nothing_else_decides()
    {
        Assert.Equal(B.Id, TechnicianChoice.Choose(Pool(A, B, C), null, null, false, [], null, null).Technician?.Id);
    }

    [Fact]
    public void The_candidates_are_the_eligible_technicians_in_routing_order_with_the_chosen_one_first()
    {
        var choice = TechnicianChoice.Choose(Pool(A, B, C), null, null, false, [], null, null);
        var onCall = TechnicianChoice.Choose(Pool(A, B, C), null, null, onCallOnly: true, [], null, null);

        Assert.Equal([B.Id, C.Id, A.Id], choice.Candidates.Select(t => t.Id));
        Assert.Equal([C.Id, A.Id], onCall.Candidates.Select(t => t.Id));
    }

    [Fact]
    public void The_accounts_TAM_comes_first_then_the_callers_language()
    {
        Assert.Equal(A.Id, TechnicianChoice.Choose(Pool(A, B, C), null, A.Id, false, [], null, "de-DE").Technician?.Id);
        Assert.Equal(B.Id, TechnicianChoice.Choose(Pool(A, C, B), null, null, false, [], null, "de-DE").Technician?.Id);
        Assert.Equal(C.Id, TechnicianChoice.Choose(Pool(A, C), null, null, false, [], null, "de-DE").Technician?.Id);
    }

    [Fact]
    public void Skill_tried_technicians_and_the_on_call_rota_filter_the_candidates()
    {
        Assert.Equal(B.Id, TechnicianChoice.Choose(Pool(A, B, C), "sales", null, false, [], null, null).Technician?.Id);
        Assert.Null(TechnicianChoice.Choose(Pool(A, B, C), "sales", null, false, [B.Id], null, null).Technician);
        Assert.Equal(C.Id, TechnicianChoice.Choose(Pool(A, B, C), null, null, onCallOnly: true, [], null, null).Technician?.Id);
        // A TAM is on call for their accounts.
        Assert.Equal(B.Id, TechnicianChoice.Choose(Pool(A, B, C), null, B.Id, onCallOnly: true, [], null, null).Technician?.Id);
    }

    [Fact]
    public void Among_equals_the_order_is_PostgreSQLs_uuid_order()
    {
        var first = Tech("0fffffff-0000-4000-8000-000000000009", 10);
        var second = Tech("f0000000-0000-4000-8000-000000000001", 10);

        Assert.Equal(first.Id, TechnicianChoice.Choose(Pool(second, first), null, null, false, [], null, null).Technician?.Id);
    }

    [Fact]
    public void A_caller_waits_while_as_many_higher_priority_callers_wait_as_technicians_are_free()
    {
        var pool = new TechnicianPoolFact([A, C], null, [new WaitingCount(1, 2), new WaitingCount(5, 7)], 3);

        var held = TechnicianChoice.Choose(pool, null, null, false, [], priority: 2, null);
        var first = TechnicianChoice.Choose(pool, null, null, false, [], priority: 1, null);
        var fewer = TechnicianChoice.Choose(pool with { Waiting = [new WaitingCount(1, 1)] }, null, null, false, [], priority: 2, null);

        Assert.Equal((null, true), (held.Technician, held.HeldBack));
        Assert.Equal((C.Id, false), (first.Technician?.Id, first.HeldBack));
        Assert.Equal(C.Id, fewer.Technician?.Id);
    }

    [Fact]
    public void A_step_taken_again_after_a_conflict_spreads_parallel_callers_over_the_best_candidates()
    {
        var pool = Pool(A, B, C);
        var calls = Enumerable.Range(0, 40).Select(i => $"CA{i:D32}").ToList();

        var first = calls.Select(c => TechnicianChoice.Choose(pool, null, null, false, [], null, null, attempt: 1, spreadKey: c).Technician!.Id).Distinct().ToList();
        var third = calls.Select(c => TechnicianChoice.Choose(pool, null, null, false, [], null, null, attempt: 3, spreadKey: c).Technician!.Id).ToList();
        var again = calls.Select(c => TechnicianChoice.Choose(pool, null, null, false, [], null, null, attempt: 3, spreadKey: c).Technician!.Id).ToList();

        Assert.Equal([B.Id], first);
        Assert.Equal(3, third.Distinct().Count());
        Assert.Equal(third, again);
    }
}
