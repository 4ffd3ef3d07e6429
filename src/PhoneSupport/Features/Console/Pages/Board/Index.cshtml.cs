using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Features.Console.Pages.Board;

/// <summary>The wall screen: every staff role may look.</summary>
public sealed class BoardModel(LiveBoard board, IOptions<ConsoleOptions> options) : PageModel
{
    public Console.Board Board { get; private set; } = null!;

    public int RefreshMs => (int)options.Value.RefreshEvery.TotalMilliseconds;

    public async Task OnGetAsync(CancellationToken ct) => Board = await board.ReadAsync(ct);
}
