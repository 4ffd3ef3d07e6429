using System.CommandLine;
using PhoneSupport.Cli.Commands;

var root = new RootCommand("phonesupport: tools for the PhoneSupport IVR service.");
root.Subcommands.Add(CallCommand.Create());
root.Subcommands.Add(ValidateFlowsCommand.Create());
root.Subcommands.Add(TwilioEmulatorCommand.Create());
root.Subcommands.Add(StripeEmulatorCommand.Create());
root.Subcommands.Add(DemoHistoryCommand.Create());
return await root.Parse(args).InvokeAsync();
