using AgentOS.Voice.Agents;
using AgentOS.Voice.Functions.Agents;
using AgentOS.Voice.Functions.Calls;
using AgentOS.Voice.Functions.Hosting;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Functions.Messages;
using AgentOS.Voice.Functions.Queues;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Speech;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;

var builder = WebApplication.CreateBuilder(args);
builder.UseFunctionsCustomHandlerPort();
builder.AddServiceDefaults();
builder.Services.AddAgentOsStorage(builder.Configuration);
builder.Services.AddAgents();
builder.Services.AddManagementApi(builder.Configuration);
builder.Services.AddQueueFunctionsCore();
builder.Services.AddTwilio(builder.Configuration);
builder.Services.AddSpeech(builder.Configuration);
builder.Services.AddMessageFunctions(builder.Configuration);
builder.Services.AddLiveCalls(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAgentsApi();
app.MapMessagesApi();
app.MapQueueFunctions();
app.MapLiveCalls();
app.Run();

public partial class Program;
