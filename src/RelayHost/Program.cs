using AgentOS.Voice.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

namespace AgentOS.Voice.RelayHost
{
    public partial class Program;
}
