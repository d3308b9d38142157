using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Llm;
using AgentOS.Voice.RelayHost;
using AgentOS.Voice.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddAgentOsStorage(builder.Configuration);
builder.Services.AddAgents();
builder.Services.AddCalls();
builder.Services.AddLlm(builder.Configuration, builder.Environment);
builder.Services.AddRelayHost(builder.Configuration);

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
app.MapDefaultEndpoints();
app.MapRelayHost();
app.Run();

namespace AgentOS.Voice.RelayHost
{
    public partial class Program;
}
