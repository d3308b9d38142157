using AgentOS.Voice.Simulator.Cli;

return CliApp.Build().Parse(args).Invoke();
