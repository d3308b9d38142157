namespace AgentOS.Voice.DevRunner;

/// <summary>
/// The agent a local run starts with: scripted (no keys needed), with a DTMF menu, hand-off, a second language, two
/// appointment tools served by the runner (<see cref="DemoToolServer"/>) and an outcome schema the scripted model fills
/// from their answers.
/// </summary>
internal static class DemoAgent
{
    public static object Create(string toolsBaseUrl) => new
    {
        id = LocalStack.AgentId,
        name = "Demo front desk",
        phoneNumber = LocalStack.AgentNumber,
        language = "en-US",
        otherLanguages = new[] { new { code = "es-ES" } },
        greeting = "Hi, this is the demo front desk. Ask me about opening hours or appointments, or press 0 for a person.",
        systemPrompt = "You are the front desk of a small clinic. Answer in one or two short sentences.",
        llm = new { provider = "scripted", model = "scripted" },
        transferNumber = "+15550000999",
        dtmfMenu = new Dictionary<string, object>
        {
            ["0"] = new { kind = "Handoff" },
            ["1"] = new { kind = "Say", text = "We are open Monday to Friday, nine to five." },
            ["9"] = new { kind = "End", text = "Thanks for calling. Goodbye!" },
        },
        script = new object[]
        {
            new { whenCallerSays = "hours", reply = "We are open Monday to Friday, from nine in the morning to five in the afternoon." },
            new { whenCallerSays = "appointment", reply = "Let me look.", tool = "find_slot" },
            new { whenCallerSays = "yes", reply = "Booking it.", tool = "book_slot" },
            new { whenCallerSays = "person", reply = "Of course, connecting you to a person now.", tool = "handoff" },
            new { whenCallerSays = "human", reply = "Of course, connecting you to a person now.", tool = "handoff" },
            new { whenCallerSays = "spanish", reply = "Claro, seguimos en español.", tool = "switch_language:es-ES" },
            new { whenCallerSays = "bye", reply = "Thanks for calling. Goodbye!", tool = "end_call" },
            new { whenCallerSays = (string?)null, reply = "Sorry, I can help with opening hours and appointments. You can also ask for a person." },
        },
        tools = new object[]
        {
            Tool("find_slot", "Looks up the next free appointment slot.", toolsBaseUrl),
            Tool("book_slot", "Books the appointment slot the caller agreed to.", toolsBaseUrl),
        },
        outcomeSchema = new
        {
            type = "object",
            properties = new { confirmed = new { type = "boolean" }, newTime = new { type = new[] { "string", "null" } } },
        },
        outcomeWebhookUrl = toolsBaseUrl + "/outcomes",
    };

    // The scripted model passes the caller's words in every string parameter.
    private static object Tool(string name, string description, string baseUrl) => new
    {
        name,
        description,
        parameters = new { type = "object", properties = new { request = new { type = "string", description = "What the caller asked for." } } },
        url = $"{baseUrl}/tools/{name}",
        timeoutSeconds = 5,
    };
}
