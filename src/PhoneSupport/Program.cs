var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.Run();

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in the integration tests.</summary>
public partial class Program;
