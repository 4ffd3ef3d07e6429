using PhoneSupport.Domain.Flows;
using static PhoneSupport.Domain.Tests.Flows.FlowYaml;

namespace PhoneSupport.Domain.Tests.Flows;

public sealed class FlowCatalogTests
{
    [Fact]
    public void Load_TwoFlowsAnsweringOneNumber_IsRefused()
    {
        var first = Flow(MainMenu.Replace("ask", "bye"), Bye);
        var second = first.Replace("flow: test", "flow: other");

        var (catalog, errors) = FlowCatalog.Load([("first.flow.yaml", first), ("second.flow.yaml", second)]);

        Assert.Null(catalog);
        var error = Assert.Single(errors);
        Assert.Equal("second.flow.yaml", error.File);
        Assert.Contains("number +17035550100 is also answered by first.flow.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoFlowsWithOneId_IsRefused()
    {
        var first = Flow(MainMenu.Replace("ask", "bye"), Bye);
        var second = first.Replace("+17035550100", "+17035550101");

        var errors = FlowCatalog.Load([("first.flow.yaml", first), ("second.flow.yaml", second)]).Errors;

        var error = Assert.Single(errors);
        Assert.Equal("second.flow.yaml", error.File);
        Assert.Contains("flow id 'test' is also used by first.flow.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MinimalValidFlow_LoadsCleanly()
    {
        var yaml = Flow(MainMenu.Replace("ask", "bye"), Bye);

        var (catalog, errors) = FlowCatalog.Load([("minimal.flow.yaml", yaml)]);

        Assert.Empty(errors);
        Assert.NotNull(catalog);
        var flow = catalog.ForNumber("+17035550100");
        Assert.NotNull(flow);
        Assert.Equal("test", flow.Id);
        Assert.Equal("minimal.flow.yaml", flow.FileName);
        Assert.Equal(["bye", "main"], flow.Steps.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(9, flow.Step("main").Line); // a step's line is its first key's line ("type: menu")
        Assert.Equal("en-US", flow.DefaultLanguage);
        Assert.Empty(FlowValidator.Validate(flow));
    }
}
