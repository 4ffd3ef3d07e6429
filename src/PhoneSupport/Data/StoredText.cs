using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace PhoneSupport.Data;

/// <summary>
/// The one map between a status enum and the text stored in its column (and written by the API, CSV and JSON): each
/// member's <see cref="JsonStringEnumMemberNameAttribute"/>, so the enum's declaration is the only place the text is
/// spelled. The enum also carries <c>[JsonConverter(typeof(JsonStringEnumConverter&lt;T&gt;))]</c>, so JSON writes the same text.
/// </summary>
public static class StoredText<TEnum> where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Texts = typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToFrozenDictionary(f => (TEnum)f.GetValue(null)!, f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
            ?? throw new InvalidOperationException($"{typeof(TEnum).Name}.{f.Name} has no [JsonStringEnumMemberName]: its stored text."));

    private static readonly FrozenDictionary<string, TEnum> Values = Texts.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every stored text, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<TEnum>().Select(v => Texts[v])];

    public static string Of(TEnum value) =>
        Texts.TryGetValue(value, out var text) ? text : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {typeof(TEnum).Name}.");

    /// <summary>The member stored as <paramref name="text"/> (exact spelling); a text the enum lacks is a corrupt row.</summary>
    public static TEnum Parse(string text) =>
        Values.TryGetValue(text, out var value) ? value : throw new InvalidOperationException($"'{text}' is not a stored {typeof(TEnum).Name}.");

    public static bool TryParse(string? text, out TEnum value)
    {
        if (text is not null && Values.TryGetValue(text, out value)) return true;
        value = default;
        return false;
    }
}

/// <summary><c>status.Text()</c>: the stored (and displayed) text of a status enum.</summary>
public static class StoredTextExtensions
{
    public static string Text<TEnum>(this TEnum value) where TEnum : struct, Enum => StoredText<TEnum>.Of(value);

    /// <summary>Stores the enum property as its text (<see cref="StoredText{TEnum}"/>): the column keeps its words.</summary>
    public static PropertyBuilder<TEnum> StoredAsText<TEnum>(this PropertyBuilder<TEnum> property) where TEnum : struct, Enum =>
        property.HasConversion(new StoredTextConverter<TEnum>());

    public static PropertyBuilder<TEnum?> StoredAsText<TEnum>(this PropertyBuilder<TEnum?> property) where TEnum : struct, Enum =>
        property.HasConversion(new StoredTextConverter<TEnum>());
}

public sealed class StoredTextConverter<TEnum>() : ValueConverter<TEnum, string>(v => StoredText<TEnum>.Of(v), t => StoredText<TEnum>.Parse(t))
    where TEnum : struct, Enum;
