using AgentOS.Voice.Bench.FakeLlm;

// A stand-in for OpenAI's chat-completions endpoint with a set time to first token and token rate, run as its own
// process so its CPU is measured apart from RelayHost's. Settings: FakeLlm:TtftMs, FakeLlm:TokensPerSecond,
// FakeLlm:Tokens (environment FakeLlm__TtftMs=200 etc.), ASPNETCORE_URLS or Kestrel:Endpoints for the ports.
var builder = WebApplication.CreateSlimBuilder(args);
// Endpoints come from Kestrel:Endpoints (the load tool sets an LLM endpoint, TLS as providers use, and a plain control one).
builder.WebHost.UseKestrelHttpsConfiguration();
builder.Logging.ClearProviders();
builder.Services.AddOptions<FakeLlmOptions>()
    .Bind(builder.Configuration.GetSection(FakeLlmOptions.SectionName))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton<RequestLog>();
builder.Services.AddSingleton<FirstTokenTimer>();

var app = builder.Build();
app.MapPost("/v1/chat/completions", ChatCompletionStream.HandleAsync);
app.MapGet("/stats", (RequestLog log) => Results.Json(log.Snapshot(), FakeLlmJson.Default.FakeLlmStats));
app.MapPost("/reset", (RequestLog log) => log.Reset());
app.MapGet("/healthz", () => "ok");
app.Run();
