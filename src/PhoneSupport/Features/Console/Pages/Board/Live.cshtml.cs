using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages.Board;

/// <summary>The board without the page around it, polled by the board page.</summary>
public sealed class LiveModel(LiveBoard board) : PageModel
{
    public Console.Board Board { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct) => Board = await board.ReadAsync(ct);
}
