using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Tests.Flows;

public sealed class ShippedFlowsTests
{
    [Fact]
    public void Load_ShippedFlowFiles_HasNoErrorsAndHoldsBothFlows()
    {
        var files = ShippedFlows.Files();

        var (catalog, errors) = FlowCatalog.Load(files);

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        Assert.NotNull(catalog);
        Assert.Equal(["constellix.flow.yaml", "constructor.flow.yaml"], files.Select(f => f.FileName));
        Assert.Equal(["constellix", "constructor"], catalog.Flows.Select(f => f.Id).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("+17038803095", "constellix")]
    [InlineData("+41525550100", "constructor")]
    public void ForNumber_ShippedNumber_AnswersWithItsFlow(string dialled, string flowId)
    {
        var flow = ShippedFlows.Catalog.ForNumber(dialled);

        Assert.NotNull(flow);
        Assert.Equal(flowId, flow.Id);
        Assert.Equal(flowId, flow.Provider);
    }

    [Theory]
    [InlineData("+17038803096")]
    [InlineData("17038803095")]
    public void ForNumber_NumberNoFlowAnswers_IsNull(string dialled) =>
        Assert.Null(ShippedFlows.Catalog.ForNumber(dialled));

    [Theory]
    [InlineData("1", "sales-decide", "For sales and billing, press 1.")]
    [InlineData("2", "contract-number", "For dedicated contract support, press 2.")]
    [InlineData("3", "member-caller-id", "For membership phone support, press 3.")]
    public void ConstellixMainMenu_Key_LeadsWherePromptSays(string key, string target, string spoken)
    {
        var flow = ShippedFlows.Constellix;
        var menu = flow.Step(flow.Start);

        Assert.Equal("main-menu", menu.Id);
        Assert.Equal(StepKind.Menu, menu.Kind);
        Assert.Equal(["1", "2", "3"], menu.Options.Select(o => o.Key));
        Assert.Equal(target, Assert.Single(menu.Options, o => o.Key == key).Next.Target);
        Assert.Contains(spoken, menu.Say.For("en-US", flow.DefaultLanguage));
        Assert.Equal("ticket-goodbye", menu.OnFail?.Target);
    }

    [Fact]
    public void ConstellixContractStep_CollectsFourToTwelveDigitsFinishedByPound()
    {
        var step = ShippedFlows.Constellix.Step("contract-number");

        Assert.Equal(StepKind.Collect, step.Kind);
        Assert.Equal(FlowActions.IdentifyByContract, step.Action);
        Assert.NotNull(step.Collect);
        Assert.Equal(CollectInput.Digits, step.Collect.Input);
        Assert.Equal(4, step.Collect.MinLength);
        Assert.Equal(12, step.Collect.MaxLength);
        Assert.Equal("#", step.Collect.FinishOnKey);
        Assert.Equal("contract-found", step.Outcomes[FlowActions.Identified].Target);
        Assert.Equal("ticket-goodbye", step.Outcomes[FlowActions.Failed].Target);
    }

    [Fact]
    public void ConstructorFlow_EveryPrompt_ExistsInEnglishAndGerman()
    {
        var flow = ShippedFlows.Constructor;
        var prompts = flow.Steps.Values
            .SelectMany(s => new[] { ($"{s.Id}.say", s.Say), ($"{s.Id}.noInput", s.NoInput), ($"{s.Id}.invalid", s.Invalid), ($"{s.Id}.notFound", s.NotFound), ($"{s.Id}.thanks", s.Thanks) })
            .Append(("defaults.noInput", flow.Defaults.NoInput))
            .Append(("defaults.invalid", flow.Defaults.Invalid))
            .Append(("defaults.notFound", flow.Defaults.NotFound))
            .Where(p => !p.Item2.IsEmpty)
            .ToList();

        var missing = prompts
            .SelectMany(p => new[] { "en-US", "de-DE" }.Where(l => string.IsNullOrWhiteSpace(p.Item2.ByLanguage.GetValueOrDefault(l))).Select(l => $"{p.Item1} {l}"))
            .ToList();

        Assert.Equal(["de-DE", "en-US"], flow.Languages.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Polly.Vicki", flow.Languages["de-DE"].Voice);
        Assert.True(prompts.Count >= 7, $"only {prompts.Count} prompts found");
        Assert.Empty(missing);
        Assert.All(flow.Steps.Values.Where(s => s.Kind.WaitsForCaller() || s.Kind == StepKind.Goodbye), s => Assert.False(s.Say.IsEmpty, s.Id));
    }
}
