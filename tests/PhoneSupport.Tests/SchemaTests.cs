using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>The SQL migrations own the schema; the EF model must agree with them column by column.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class SchemaTests(ServiceFixture fixture)
{
    [Fact]
    public async Task EfModel_MatchesTheMigratedSchema()
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var columns = await ColumnsAsync();
        var problems = new List<string>();

        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            if (!columns.ContainsKey(table)) { problems.Add($"table {table} is mapped but not created by a migration"); continue; }
            var mapped = new HashSet<string>();
            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName(store)!;
                mapped.Add(column);
                if (!columns[table].TryGetValue(column, out var actual)) { problems.Add($"{table}.{column} is mapped but missing"); continue; }
                if (actual.Nullable != property.IsColumnNullable(store)) problems.Add($"{table}.{column}: nullable {actual.Nullable} in SQL, {property.IsColumnNullable(store)} in EF");
                var expected = property.GetColumnType(store);
                if (!SameType(expected, actual.Type)) problems.Add($"{table}.{column}: {actual.Type} in SQL, {expected} in EF");
            }
            foreach (var column in columns[table].Keys.Where(c => !mapped.Contains(c)))
                problems.Add($"{table}.{column} exists but is not mapped");
        }
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Migrations_AppliedTwice_ChangeNothing()
    {
        var applied = await MigrationRunner.ApplyAsync(fixture.ConnectionString);

        Assert.Empty(applied);
        Assert.Equal(MigrationRunner.Scripts.Count, (int)await fixture.ScalarAsync<long>("select count(*) from schema_migrations"));
    }

    [Fact]
    public async Task Migrations_StartedByThreeInstancesAtOnce_ApplyEachFileOnce()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("phonesupport_migrate_race");

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => MigrationRunner.ApplyAsync(connection))));

        Assert.Equal(MigrationRunner.Scripts.Count, runs.Sum(r => r.Count));
    }

    private static bool SameType(string efType, string sqlType) =>
        Normalize(efType) == Normalize(sqlType);

    private static string Normalize(string type) => type switch
    {
        "timestamp with time zone" => "timestamptz",
        "character varying" or "text" => "text",
        "bigint" => "bigint",
        _ => type,
    };

    private async Task<Dictionary<string, Dictionary<string, (string Type, bool Nullable)>>> ColumnsAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select table_name, column_name, case when data_type = 'ARRAY' then substr(udt_name, 2) || '[]' else data_type end, is_nullable = 'YES' from information_schema.columns where table_schema = 'public' and table_name <> 'schema_migrations'",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new Dictionary<string, Dictionary<string, (string, bool)>>();
        while (await reader.ReadAsync())
        {
            var table = reader.GetString(0);
            if (!result.TryGetValue(table, out var cols)) result[table] = cols = [];
            cols[reader.GetString(1)] = (reader.GetString(2), reader.GetBoolean(3));
        }
        return result;
    }
}
