using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Features.Messages;
using PhoneSupport.Features.Queue;
using PhoneSupport.Features.Routing;
using PhoneSupport.Features.Sla;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Platform;

/// <summary>
/// Issue 14, item 3: status strings became enums. The stored text, the JSON and the API keep the words they had; one
/// place (<see cref="StoredText{TEnum}"/>, read off each member's name attribute) maps both ways.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class StoredTextTests(ServiceFixture fixture)
{
    [Fact]
    public void EveryStatusEnum_KeepsTheWordsTheColumnsHeld_AndJsonWritesTheSame()
    {
        Assert.Equal(["available", "reserved", "busy", "wrapUp", "offline"], StoredText<TechnicianStatus>.All);
        Assert.Equal(["waiting", "connecting", "connected", "left"], StoredText<QueueStatus>.All);
        Assert.Equal(["new", "handled"], StoredText<MessageStatus>.All);
        Assert.Equal(["live", "callback"], StoredText<SlaContact>.All);
        Assert.Equal(["ringing", "accepted", "completed", "failed"], StoredText<TransferStatus>.All);

        Assert.Equal("\"wrapUp\"", JsonSerializer.Serialize(TechnicianStatus.WrapUp));
        Assert.Equal("{\"from\":\"busy\",\"to\":\"left\",\"by\":\"callback\",\"status\":\"handled\"}",
            JsonSerializer.Serialize(new { from = TechnicianStatus.Busy, to = QueueStatus.Left, by = SlaContact.Callback, status = MessageStatus.Handled }));
        Assert.Equal(TechnicianStatus.WrapUp, JsonSerializer.Deserialize<TechnicianStatus>("\"wrapUp\""));
    }

    [Fact]
    public void Parse_IsExact_AndRefusesWordsTheEnumLacks()
    {
        Assert.Equal(QueueStatus.Connecting, StoredText<QueueStatus>.Parse("connecting"));
        Assert.False(StoredText<TechnicianStatus>.TryParse("WrapUp", out _));
        Assert.False(StoredText<TechnicianStatus>.TryParse(null, out _));
        Assert.Throws<InvalidOperationException>(() => StoredText<MessageStatus>.Parse("archived"));
    }

    [Fact]
    public async Task Columns_HoldTheText_AndQueriesCompareTheText()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("phonesupport_storedtext");
        await using var host = fixture.CreateFactory("Production", connection);
        _ = host.Services; // start the host (and migrate)
        var id = Guid.NewGuid();
        var now = fixture.Clock.GetCurrentInstant();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
            var technician = new Technician(id, "Stored Text", "+15550209999", ["constellix"], [], now);
            db.Technicians.Add(technician);
            await db.SaveChangesAsync();
            technician.SetAvailability(true, now);
            await db.SaveChangesAsync();
        }
        Assert.Equal("available", await Scalar<string>(connection, "select status from technicians where id = $1", id));

        await Scalar<int>(connection, "update technicians set status = 'wrapUp' where id = $1 returning 1", id);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
            Assert.Equal(TechnicianStatus.WrapUp, (await db.Technicians.AsNoTracking().SingleAsync(t => t.Id == id)).Status);
            Assert.Equal(1, await db.Technicians.CountAsync(t => t.Id == id && t.Status == TechnicianStatus.WrapUp));
            var wrappingUp = new[] { TechnicianStatus.WrapUp, TechnicianStatus.Busy };
            Assert.Equal(1, await db.Technicians.CountAsync(t => t.Id == id && wrappingUp.Contains(t.Status)));
            Assert.Equal(0, await db.Technicians.CountAsync(t => t.Id == id && t.Status == TechnicianStatus.Available));
        }
    }

    [Fact]
    public void CallPhase_IsStoredAsItsName_AsTheEngineWroteIt()
    {
        var session = CallSession.Start("CA" + Guid.NewGuid().ToString("N"), "flow", "constellix", "+15550100001", "+17038803095", "menu", "en-US")
            with { Phase = CallPhase.Ended };
        var record = Features.CallCore.CallRecord.Start(session, Instant.FromUtc(2026, 7, 1, 14, 0));
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var converter = db.Model.FindEntityType(typeof(Features.CallCore.CallRecord))!.FindProperty(nameof(Features.CallCore.CallRecord.Phase))!.GetTypeMapping().Converter!;
        Assert.Equal("Ended", converter.ConvertToProvider(record.Phase));
        Assert.Equal(CallPhase.Ended, converter.ConvertFromProvider("Ended"));
    }

    private static async Task<T> Scalar<T>(string connection, string sql, params object[] parameters)
    {
        await using var c = new Npgsql.NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, c);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
