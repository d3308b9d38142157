using AgentOS.Voice.PhoneSimulator.Cli;

return CliApp.Build().Parse(args).Invoke();
