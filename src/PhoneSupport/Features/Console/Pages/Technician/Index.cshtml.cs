using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using PhoneSupport.Features.Callbacks;

namespace PhoneSupport.Features.Console.Pages.Technician;

/// <summary>The technician's own desk: state, rota, live call and the callback queue; "call back now".</summary>
public sealed class TechnicianModel(TechnicianDesk desk, IOptions<ConsoleOptions> options, Routing.TransferService transfers) : PageModel
{
    public TechnicianView? View { get; private set; }

    public string? Notice { get; private set; }

    public bool NoticeIsError { get; private set; }

    public int RefreshMs => (int)options.Value.RefreshEvery.TotalMilliseconds;

    public async Task OnGetAsync([FromQuery] string? done, [FromQuery] string? error, CancellationToken ct)
    {
        View = TechnicianDesk.TechnicianOf(User) is { } id ? await desk.ViewAsync(id, ct) : null;
        (Notice, NoticeIsError) = error is { Length: > 0 } ? (error, true) : (Message(done), false);
    }

    public async Task<IActionResult> OnPostAvailabilityAsync([FromForm] string status, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is not { } id) return Forbid();
        var problem = await desk.SetAvailabilityAsync(id, status, User, ct);
        return problem is null ? Redirect($"/console/technician?done={Uri.EscapeDataString(status)}") : Redirect($"/console/technician?error={Uri.EscapeDataString(problem)}");
    }

    public async Task<IActionResult> OnPostCallBackAsync([FromForm] Guid callbackId, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is not { } id) return Forbid();
        var outcome = await desk.CallBackNowAsync(callbackId, id, ct);
        return outcome == ChosenDispatch.Dialling
            ? Redirect("/console/technician?done=dialling")
            : Redirect($"/console/technician?error={Uri.EscapeDataString(Refusal(outcome))}");
    }

    public async Task<IActionResult> OnPostMessageHandledAsync([FromForm] Guid messageId, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is null) return Forbid();
        return await desk.MarkHandledAsync(messageId, User, ct) is null
            ? Redirect($"/console/technician?error={Uri.EscapeDataString("That message no longer exists.")}")
            : Redirect("/console/technician?done=handled");
    }

    public async Task<IActionResult> OnPostPriceQuoteAsync([FromForm] Guid quoteId, [FromForm] int? estimatedMinutes, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is null) return Forbid();
        if (estimatedMinutes is null) return Redirect($"/console/technician?error={Uri.EscapeDataString("Enter the estimated minutes (1 to 600).")}");
        var (_, refusal) = await desk.PriceQuoteAsync(quoteId, estimatedMinutes.Value, User, ct);
        return refusal is null ? Redirect("/console/technician?done=quoted") : Redirect($"/console/technician?error={Uri.EscapeDataString(refusal.Message)}");
    }

    /// <summary>Transfer the call this technician is on (decision 013), as <c>POST /api/calls/{callSid}/transfer</c> with their own key.</summary>
    public async Task<IActionResult> OnPostTransferAsync([FromForm] string callSid, [FromForm] string? technicianId, [FromForm] string? skill, [FromForm] string? mode,
        CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is not { } id) return Forbid();
        var result = await transfers.RequestAsync(callSid ?? "", new Routing.TransferRequest(string.IsNullOrWhiteSpace(technicianId) ? null : technicianId,
            string.IsNullOrWhiteSpace(skill) ? null : skill, mode), asTechnician: true, id, User.Identity?.Name ?? "console", ct);
        if (result.Result is Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem)
        {
            var detail = problem.ProblemDetails is Microsoft.AspNetCore.Http.HttpValidationProblemDetails { Errors.Count: > 0 } invalid
                ? string.Join(" ", invalid.Errors.SelectMany(e => e.Value))
                : problem.ProblemDetails.Detail ?? "The call could not be transferred.";
            return Redirect($"/console/technician?error={Uri.EscapeDataString(detail)}");
        }
        return Redirect("/console/technician?done=transferring");
    }

    public async Task<IActionResult> OnPostDispositionAsync([FromForm] string? disposition, [FromForm] string? note, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is not { } id) return Forbid();
        var problem = await desk.RecordDispositionAsync(id, disposition, note, User, ct);
        return problem is null ? Redirect("/console/technician?done=disposition") : Redirect($"/console/technician?error={Uri.EscapeDataString(problem)}");
    }

    private static string? Message(string? done) => done switch
    {
        "transferring" => "Transferring: your colleague's phone is ringing. Your leg ends when the caller is moved.",
        "disposition" => "The disposition is recorded on the incident.",
        "handled" => "The message is marked handled.",
        "quoted" => "The quote is priced and texted to the caller.",
        "available" => "You are available: calls and callbacks can reach you.",
        "offline" => "You are offline: no calls will be routed to you.",
        "dialling" => "Your phone is ringing: press 1 to call the customer.",
        _ => null,
    };

    private static string Refusal(ChosenDispatch outcome) => outcome switch
    {
        ChosenDispatch.NotScheduled => "That callback is no longer waiting: it is being dialled already, or it was kept, missed or cancelled.",
        ChosenDispatch.OutsideWindow => "That callback's window is not open yet: the promise was made for business hours.",
        ChosenDispatch.TechnicianNotAvailable => "You are not free for a callback now (set yourself available, finish your call or wrap-up, or check the on-call rota).",
        _ => "The call could not be placed; the callback waits for the next try.",
    };
}
