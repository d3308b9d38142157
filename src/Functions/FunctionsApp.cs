using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration.Memory;
using AgentOS.Voice.Agents;
using AgentOS.Voice.Events;
using AgentOS.Voice.Calls;
using AgentOS.Voice.Functions.ManagementApi;
using AgentOS.Voice.Functions.Messages;
using AgentOS.Voice.Hosting;
using AgentOS.Voice.Llm;
using AgentOS.Voice.Outcomes;
using AgentOS.Voice.Reconciling;
using AgentOS.Voice.Speech;
using AgentOS.Voice.Storage;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.Extensions.Hosting;

namespace AgentOS.Voice.Functions;

public static class FunctionsApp
{
    /// <summary>
    /// Everything the functions need, for the worker under the Functions host (Program) and for the local Functions
    /// runner alike, so both serve the same app.
    /// </summary>
    public static TBuilder AddVoiceFunctions<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddServiceDefaults();
        var services = builder.Services;
        var configuration = builder.Configuration;
        // Under every other source: the host reads the timer's schedule from app settings (the deployment sets it); the
        // local runner resolves %Reconciler:Schedule% from this configuration, so a run without the setting has one.
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = [new(ReconcilerOptions.ScheduleSetting, ReconcilerOptions.DefaultSchedule)],
        });
        services.AddAgentOsStorage(configuration);
        services.AddAgents();
        services.AddManagementApi(configuration);
        services.AddTwilioSignatureChecks(configuration);
        services.AddSpeech(configuration, builder.Environment);
        services.AddMessageFunctions(configuration);
        services.AddLiveCalls(configuration);
        // The outcome workers summarise each ended call with the agent's own model.
        services.AddLlm(configuration, builder.Environment);
        services.AddOutcomes(configuration);
        services.AddVoiceEvents(configuration);
        services.AddReconciler(configuration);
        services.AddSingleton<Hosting.TwilioWebhook>();
        services.AddStorageRetryBuffer();
        services.AddWebhookStorage(configuration);
        services.AddOptions<Console.ConsoleOptions>().Bind(configuration.GetSection(Console.ConsoleOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return builder;
    }
}
