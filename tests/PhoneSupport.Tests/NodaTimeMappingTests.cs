using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Features.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// NodaTime reaches PostgreSQL through the Npgsql plugin (no value converters of our own): EF Core and raw commands on the
/// context's connection read and write <see cref="Instant"/>, <see cref="LocalDate"/> and <see cref="Duration"/> natively.
/// The fixture's session time zone is deliberately not UTC.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class NodaTimeMappingTests(ServiceFixture fixture)
{
    [Fact]
    public void EfModel_MapsEveryNodaTimeProperty_ThroughThePlugin_WithoutConverters()
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var properties = db.Model.GetEntityTypes().SelectMany(e => e.GetProperties())
            .Where(p => (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType).Namespace == "NodaTime").ToList();

        Assert.Contains(properties, p => p.ClrType == typeof(Instant));
        Assert.Contains(properties, p => p.ClrType == typeof(LocalDate));
        var problems = properties
            .Where(p => p.GetValueConverter() is not null || p.GetColumnType() != StoreType(Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType))
            .Select(p => $"{p.DeclaringType.DisplayName()}.{p.Name}: {p.GetColumnType()}, converter {p.GetValueConverter()?.GetType().Name ?? "none"}");
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Instants_Dates_AndDurations_RoundTrip_ThroughEfAndTheContextsConnection()
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        await using var tx = await db.Database.BeginTransactionAsync();
        // Microseconds are PostgreSQL's resolution; a second before the epoch, on another day in Zurich.
        var created = Instant.FromUtc(1969, 12, 31, 23, 59, 59).PlusNanoseconds(123_456_000);
        var (key, _) = ApiKey.Create("nodatime-round-trip", "finance", created);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var read = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == key.Id && k.CreatedAt == created && k.RevokedAt == null);
        Assert.Equal(created, read.CreatedAt);
        Assert.Null(read.RevokedAt);

        var date = new LocalDate(2028, 2, 28);
        Assert.Equal([new LocalDate(2028, 2, 29)], await db.Database.SqlQuery<LocalDate>($"""select {date} + 1 as "Value" """).ToListAsync());
        var later = created + Duration.FromMinutes(90) + Duration.FromNanoseconds(7_000);
        Assert.Equal([Duration.FromMinutes(90) + Duration.FromNanoseconds(7_000)],
            await db.Database.SqlQuery<Duration>($"""select {later} - created_at as "Value" from api_keys where id = {key.Id}""").ToListAsync());

        // A raw command on the context's connection (as the call-start writer and the gauges use): timestamptz is an Instant.
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using (var command = new NpgsqlCommand(
            "select created_at, (created_at at time zone 'Europe/Zurich')::date from api_keys where id = $1", connection, (NpgsqlTransaction)tx.GetDbTransaction()))
        {
            command.Parameters.AddWithValue(key.Id);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(created, Assert.IsType<Instant>(reader.GetValue(0)));
            Assert.Equal(new LocalDate(1970, 1, 1), reader.GetFieldValue<LocalDate>(1));
        }
        await tx.RollbackAsync();
    }

    private static string StoreType(Type type) =>
        type == typeof(Instant) ? "timestamp with time zone"
        : type == typeof(LocalDate) ? "date"
        : type == typeof(Duration) ? "interval"
        : $"no expected column type for {type.Name}";
}
