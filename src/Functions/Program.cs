using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.Agents;
using AgentOS.Voice.Functions.Calls;
using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Functions.Queues;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.UseFunctionsCustomHandlerPort();
builder.AddServiceDefaults();
builder.Services.AddAgentOsStorage(builder.Configuration);
builder.Services.AddAgents();
builder.Services.AddManagementApi(builder.Configuration);
builder.Services.AddQueueFunctionsCore();
builder.Services.AddLiveCalls(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAgentsApi();
app.MapQueueFunctions();
app.MapLiveCalls();
app.Run();

public partial class Program;
