using AgentOS.Voice.FunctionsRunner;

// dotnet functions-runner.dll [--urls http://127.0.0.1:7071] [Setting=value ...]: the Functions app without the host.
var app = LocalFunctionsHost.Build(args);
app.Run();
