using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace PhoneSupport.Load;

/// <summary>
/// A TCP proxy on loopback between the service and PostgreSQL that delays every chunk of bytes, in each direction,
/// by <see cref="Delay"/> (order kept): a slow or distant database, without touching the server. The delay can be
/// changed while it runs.
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LatencyProxy(IPEndPoint target, TimeSpan delay)
    {
        _target = target;
        Delay = delay;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public TimeSpan Delay { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            _ = Task.Run(() => ConnectAsync(client));
        }
    }

    private async Task ConnectAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            client.NoDelay = true;
            server.NoDelay = true;
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream());
                var down = PumpAsync(server.GetStream(), client.GetStream());
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException) { }
        }
    }

    /// <summary>Reads as it comes and writes each chunk once its delay has passed.</summary>
    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Data)>();
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, data) in chunks.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = due - Environment.TickCount64;
                if (wait > 0) await Task.Delay((int)wait, _stop.Token);
                await to.WriteAsync(data, _stop.Token);
            }
        });
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
                chunks.Writer.TryWrite((Environment.TickCount64 + (long)Delay.TotalMilliseconds, buffer[..read]));
        }
        finally
        {
            chunks.Writer.TryComplete();
            try { await writer; } catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { }
            try { to.Socket.Shutdown(SocketShutdown.Send); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (Exception e) when (e is SocketException or OperationCanceledException) { }
        _stop.Dispose();
    }
}
