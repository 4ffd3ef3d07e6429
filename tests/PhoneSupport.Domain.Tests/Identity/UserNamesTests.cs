using PhoneSupport.Domain.Identity;

namespace PhoneSupport.Domain.Tests.Identity;

public sealed class UserNamesTests
{
    [Theory]
    [InlineData("Jane Doe")]
    [InlineData("jane.doe")]
    [InlineData("JANE DOT DOE")]
    [InlineData("jane_doe")]
    [InlineData("jane underscore doe")]
    [InlineData("jane-doe")]
    [InlineData("Jane Dash Doe")]
    [InlineData("Jäne Döe")]
    [InlineData("  jane   doe. ")]
    public void Normalize_SpellingsOfOneName_MeetOnOneValue(string heard) =>
        Assert.Equal("janedoe", UserNames.Normalize(heard));

    [Theory]
    [InlineData("José Müller", "josemuller")]
    [InlineData("Zoë Ångström", "zoeangstrom")]
    [InlineData("jane punkt doe", "janedoe")]
    public void Normalize_AccentsAndGermanPunctuationWords_AreFolded(string heard, string expected) =>
        Assert.Equal(expected, UserNames.Normalize(heard));

    [Theory]
    [InlineData("jane.doe42", "janedoe42")]
    [InlineData("Jane Doe 4 2", "janedoe42")]
    [InlineData("agent 007", "agent007")]
    [InlineData("2024", "2024")]
    public void Normalize_Digits_AreKept(string heard, string expected) =>
        Assert.Equal(expected, UserNames.Normalize(heard));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("dot dash underscore")]
    [InlineData("._-@")]
    public void Normalize_NothingButPunctuation_IsEmpty(string heard) =>
        Assert.Equal("", UserNames.Normalize(heard));

    [Fact]
    public void Normalize_DifferentNames_StayDifferent() =>
        Assert.NotEqual(UserNames.Normalize("Jane Doe"), UserNames.Normalize("John Doe"));
}

public sealed class UserNameMatchingTests
{
    private static readonly (string Item, string Normalized)[] Candidates =
        [("acme", "acmeadmin"), ("jane", "janedoe"), ("john", "johndoe"), ("umbrella", "umbrellaops")];

    [Theory]
    [InlineData("jane doe", "jane")]
    [InlineData("jane doh", "jane")]
    [InlineData("jayne doe", "jane")]
    [InlineData("acme admn", "acme")]
    [InlineData("umbrela ops", "umbrella")]
    public void BestMatch_WithinAFewEdits_FindsTheOneCandidate(string spoken, string expected) =>
        Assert.Equal(expected, UserNames.BestMatch(spoken, Candidates));

    [Theory]
    [InlineData("someone else")]
    [InlineData("")]
    public void BestMatch_Far_IsNoMatch(string spoken) =>
        Assert.Null(UserNames.BestMatch(spoken, Candidates));

    [Fact]
    public void BestMatch_TwoEquallyClose_IsNoMatchRatherThanAGuess() =>
        Assert.Null(UserNames.BestMatch("bob smath", [("a", "bobsmith"), ("b", "bobsmyth")]));

    [Fact]
    public void Distance_CountsTranspositionsAsOneEdit() => Assert.Equal(1, UserNames.Distance("jnaedoe", "janedoe"));
}
