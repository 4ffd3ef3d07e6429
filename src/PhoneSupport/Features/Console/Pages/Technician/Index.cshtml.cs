using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using PhoneSupport.Features.Callbacks;

namespace PhoneSupport.Features.Console.Pages.Technician;

/// <summary>The technician's own desk: state, rota, live call and the callback queue; "call back now".</summary>
public sealed class TechnicianModel(TechnicianDesk desk, IOptions<ConsoleOptions> options, Routing.TransferService transfers,
    PhoneSupport.Features.Admin.CallbackControl control, Domain.Policies.PolicyCatalog policies) : PageModel
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
        return Answer(result.Result, "transferring", "The call could not be transferred.");
    }

    public async Task<IActionResult> OnPostDispositionAsync([FromForm] string? disposition, [FromForm] string? note, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is not { } id) return Forbid();
        var problem = await desk.RecordDispositionAsync(id, disposition, note, User, ct);
        return problem is null ? Redirect("/console/technician?done=disposition") : Redirect($"/console/technician?error={Uri.EscapeDataString(problem)}");
    }

    /// <summary>Cancels a callback from the desk with the reason typed (audited as the signed-in technician).</summary>
    public async Task<IActionResult> OnPostCancelCallbackAsync([FromForm] Guid callbackId, [FromForm] string? reason, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is null) return Forbid();
        return Answer((await control.CancelAsync(callbackId.ToString(), new PhoneSupport.Features.Admin.CancelCallbackRequest(reason), ct)).Result, "cancelled");
    }

    /// <summary>Rings only the signed-in technician for this callback.</summary>
    public async Task<IActionResult> OnPostAssignCallbackAsync([FromForm] Guid callbackId, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is not { } id) return Forbid();
        return Answer((await control.AssignAsync(callbackId.ToString(), new PhoneSupport.Features.Admin.AssignCallbackRequest(id.ToString()), ct)).Result, "assigned");
    }

    /// <summary>A new due time, typed in the provider's local time (the API checks it against the promise's window).</summary>
    public async Task<IActionResult> OnPostRescheduleCallbackAsync([FromForm] Guid callbackId, [FromForm] string? dueAt, CancellationToken ct)
    {
        if (TechnicianDesk.TechnicianOf(User) is null) return Forbid();
        var provider = await desk.ProviderOfCallbackAsync(callbackId, ct);
        var zone = provider is null ? null : policies.For(provider)?.Coverage.Zone;
        if (zone is null || Domain.Desk.ReadableTime.ParseInput(dueAt, zone) is not { } due)
            return Redirect($"/console/technician?error={Uri.EscapeDataString("Enter the new due time as a local date and time.")}");
        var instant = NodaTime.Text.InstantPattern.ExtendedIso.Format(due);
        return Answer((await control.RescheduleAsync(callbackId.ToString(), new PhoneSupport.Features.Admin.RescheduleCallbackRequest(instant), ct)).Result, "rescheduled");
    }

    /// <summary>The API's answer as the desk shows it: its field errors or detail as the error line, else the done notice.</summary>
    private RedirectResult Answer(IResult result, string done, string failed = "The change failed.") =>
        ConsoleResults.Problem(result) is { } problem
            ? Redirect($"/console/technician?error={Uri.EscapeDataString(problem is Microsoft.AspNetCore.Http.HttpValidationProblemDetails { Errors.Count: > 0 } v ? string.Join(" ", v.Errors.SelectMany(e => e.Value)) : problem.Detail ?? failed)}")
            : Redirect($"/console/technician?done={done}");

    private static string? Message(string? done) => done switch
    {
        "transferring" => "Transferring: your colleague's phone is ringing. Your leg ends when the caller is moved.",
        "disposition" => "The disposition is recorded on the incident.",
        "cancelled" => "The callback is cancelled: it will not be dialled.",
        "assigned" => "The callback is yours: only your phone rings for it.",
        "rescheduled" => "The callback is rescheduled.",
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
