using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace PhoneSupport.Data;

/// <summary>Columns are <c>snake_case</c> in SQL and PascalCase in C#; this maps one to the other.</summary>
internal sealed class SnakeCaseConvention : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var entity in modelBuilder.Metadata.GetEntityTypes())
            foreach (var property in entity.GetProperties())
                if (property.GetColumnNameConfigurationSource() is null or ConfigurationSource.Convention)
                    property.Builder.HasColumnName(ToSnakeCase(property.Name));
    }

    public static string ToSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) result.Append('_');
            result.Append(char.ToLowerInvariant(name[i]));
        }
        return result.ToString();
    }
}
