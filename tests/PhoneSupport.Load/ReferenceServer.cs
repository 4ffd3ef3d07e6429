using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PhoneSupport.Load;

/// <summary>
/// The references, bare Kestrel in a process of its own (like the service): <c>POST /twiml</c> reads the form and
/// answers fixed TwiML; <c>POST /insert</c> also makes one Npgsql INSERT + COMMIT (the ceiling for a webhook that
/// must record something durably); <c>/ivr/*</c> is a fixed-TwiML IVR with the same shape as a contract call
/// (greeting menu, contract number, dial with whisper, dial action, status callbacks) for the whole-call ratio;
/// <c>/durable/*</c> is the same IVR writing one row per webhook (the INSERT + COMMIT of <c>/insert</c>): the
/// durable floor a whole call that records every webhook can reach.
/// </summary>
public static class ReferenceServer
{
    private const string Xml = "text/xml; charset=utf-8";
    private static string Fixed(string ivr) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Gather input=\"dtmf\" numDigits=\"1\" timeout=\"6\" action=\"{ivr}/menu\" method=\"POST\"><Say voice=\"Polly.Joanna\" language=\"en-US\">Thank you for calling. For sales, press 1. For contract support, press 2.</Say></Gather><Redirect method=\"POST\">{ivr}/voice</Redirect></Response>";
    private static string Menu(string ivr) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Gather input=\"dtmf\" finishOnKey=\"#\" timeout=\"6\" action=\"{ivr}/contract\" method=\"POST\"><Say voice=\"Polly.Joanna\" language=\"en-US\">Please enter your contract number, then press pound.</Say></Gather><Redirect method=\"POST\">{ivr}/menu</Redirect></Response>";
    private static string Contract(string ivr) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say voice=\"Polly.Joanna\" language=\"en-US\">Thank you. Connecting you to a technician.</Say><Dial action=\"{ivr}/dialed\" method=\"POST\" timeout=\"20\" answerOnBridge=\"true\"><Number url=\"{ivr}/whisper\" method=\"POST\" statusCallback=\"{ivr}/leg\" statusCallbackMethod=\"POST\" statusCallbackEvent=\"answered completed\">+14445550000</Number></Dial></Response>";
    private static string Whisper(string ivr) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Gather input=\"dtmf\" numDigits=\"1\" timeout=\"8\" action=\"{ivr}/whisper/answer\" method=\"POST\"><Say voice=\"Polly.Joanna\" language=\"en-US\">Corporate contract caller. Press 1 to accept.</Say></Gather><Say>No answer.</Say><Hangup/></Response>";
    private const string Connecting = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say voice=\"Polly.Joanna\" language=\"en-US\">Connecting.</Say></Response>";
    private const string Goodbye = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say voice=\"Polly.Joanna\" language=\"en-US\">Thank you for calling. Goodbye.</Say><Hangup/></Response>";
    private const string Empty = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

    public static async Task RunAsync(int port, string connectionString)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using (var create = data.CreateCommand("create table if not exists reference_webhooks (id bigint generated always as identity primary key, call_sid text not null, at timestamptz not null, data text not null)"))
            await create.ExecuteNonQueryAsync();
        var greeting = Fixed("/ivr");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/ready", () => "ready");
        app.MapPost("/twiml", async (HttpRequest request) =>
        {
            _ = await request.ReadFormAsync();
            return Results.Text(greeting, Xml);
        });
        app.MapPost("/insert", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            await RecordAsync(data, form["CallSid"].ToString(), form["CallStatus"].ToString());
            return Results.Text(greeting, Xml);
        });
        MapIvr(app, "/ivr", null);
        MapIvr(app, "/durable", data);
        await app.RunAsync();
    }

    /// <summary>The IVR under <paramref name="ivr"/>; with <paramref name="data"/>, every webhook is recorded first.</summary>
    private static void MapIvr(WebApplication app, string ivr, NpgsqlDataSource? data)
    {
        Map(app, data, $"{ivr}/voice", Fixed(ivr));
        Map(app, data, $"{ivr}/menu", Menu(ivr));
        Map(app, data, $"{ivr}/contract", Contract(ivr));
        Map(app, data, $"{ivr}/whisper", Whisper(ivr));
        Map(app, data, $"{ivr}/whisper/answer", Connecting);
        Map(app, data, $"{ivr}/dialed", Goodbye);
        Map(app, data, $"{ivr}/leg", Empty);
        Map(app, data, $"{ivr}/voice/status", Empty);
    }

    private static void Map(WebApplication app, NpgsqlDataSource? data, string path, string twiml) =>
        app.MapPost(path, async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (data is not null)
                await RecordAsync(data, form["CallSid"].ToString(), $"{path} {form["CallStatus"]} {form["Digits"]} {form["ParentCallSid"]}".TrimEnd());
            return Results.Text(twiml, Xml);
        });

    /// <summary>One INSERT + COMMIT on a pooled connection: what a webhook that must record something durably costs at least.</summary>
    private static async Task RecordAsync(NpgsqlDataSource data, string callSid, string what)
    {
        await using var connection = await data.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand("insert into reference_webhooks (call_sid, at, data) values ($1, now(), $2)", connection, tx);
        insert.Parameters.AddWithValue(callSid);
        insert.Parameters.AddWithValue(what);
        await insert.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
