using AgentOS.Voice.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The worker the Functions host starts (isolated model, ASP.NET Core integration). Locally and in tests the same
// functions are served by tools/FunctionsRunner, which calls the same AddVoiceFunctions.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddVoiceFunctions();
builder.UseMiddleware<AgentOS.Voice.Functions.Hosting.StorageOutageMiddleware>();
builder.Services.AddOptions<AgentOS.Voice.Storage.StorageOptions>()
    .Validate(o => o.NamePrefix.Length == 0,
        "Storage:NamePrefix must be empty under the Functions host: queue triggers read the queue names written in their attributes.")
    .ValidateOnStart();
builder.Build().Run();
