namespace AgentOS.Voice.Bench.RelayLoad;

/// <summary>One run's settings, from the command line.</summary>
internal sealed record LoadOptions
{
    public int Sessions { get; init; } = 200;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Turns started before this much time are not counted (JIT, connection pools, first table reads).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// Sessions that run turns for <see cref="PrewarmTime"/> before the measured sessions connect, then hang up: the
    /// three processes' code is then optimized as in a replica that has been taking calls, where at a few sessions the
    /// runtime would still be recompiling hot methods for minutes. None of their turns is counted.
    /// </summary>
    public int PrewarmSessions { get; init; }
    public TimeSpan PrewarmTime { get; init; } = TimeSpan.FromSeconds(40);
    /// <summary>Each session starts one turn this often; sessions are staggered evenly across it.</summary>
    public TimeSpan TurnInterval { get; init; } = TimeSpan.FromSeconds(5);
    public int TtftMs { get; init; } = 200;
    public double TokensPerSecond { get; init; } = 30;
    public int Tokens { get; init; } = 30;
    /// <summary>Every this-many-th turn is interrupted after <see cref="InterruptAfterTokens"/> tokens.</summary>
    public int InterruptEvery { get; init; } = 3;
    public int InterruptAfterTokens { get; init; } = 5;
    /// <summary>Idle mode: open the sessions, send setup, say nothing, and measure RelayHost's memory per session.</summary>
    public bool Idle { get; init; }
    public int ConnectConcurrency { get; init; } = 64;
    public string? Output { get; init; }
    /// <summary>Extra RelayHost settings (KEY=VALUE environment variables), to compare a runtime or product setting.</summary>
    public IReadOnlyList<string> RelayEnvironment { get; init; } = [];
    /// <summary>RelayHost replicas; more than one puts them behind nginx (<see cref="NginxFront"/>) and runs <see cref="ReplicaRun"/>.</summary>
    public int Replicas { get; init; } = 1;
    /// <summary>Each replica's RelayHost:MaxSessions; none: no cap (one replica measured alone).</summary>
    public int? ReplicaCap { get; init; }
    /// <summary>RelayHost:DrainTimeout: how long a stopped replica keeps its calls.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>How RelayHost reaches the fake LLM.</summary>
    public LlmTransport LlmTransport { get; init; } = LlmTransport.H2;
    /// <summary>
    /// RelayHost publishes live call events to a Web PubSub stand-in run inside this tool (off: no Web PubSub setting,
    /// so no events are made), to compare first-token overhead with events on and off.
    /// </summary>
    public bool Events { get; init; }
    /// <summary>
    /// None: each turn is one final prompt, as before. Set: a talking caller (growing partial prompts, then the final
    /// after <see cref="EndpointingMs"/>) against the agent seeded with preemptive generation on (true) or off (false).
    /// </summary>
    public bool? Preemptive { get; init; }
    /// <summary>Talking caller: speech-to-text's endpointing, from the last partial to the final prompt.</summary>
    public int EndpointingMs { get; init; } = 500;
    /// <summary>Talking caller: every this-many-th final differs from its last partial (a misheard word; 0: never).</summary>
    public int MisheardEvery { get; init; } = 5;
    /// <summary>Text-to-speech's first audio, added to the modelled heard latency (not run: no TTS here).</summary>
    public int TtsFirstAudioMs { get; init; } = 100;
}

/// <summary>
/// The fake LLM's endpoint: TLS offering HTTP/2 as OpenAI, Anthropic and Azure OpenAI do (the default), TLS with
/// HTTP/1.1 only, or plain http. It decides what an interrupt costs: over HTTP/2 it resets one stream, over HTTP/1.1
/// it closes the connection and the next turn connects again.
/// </summary>
internal enum LlmTransport { H2, H1, Plain }
