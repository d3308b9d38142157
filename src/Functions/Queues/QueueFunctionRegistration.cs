namespace AgentOS.Voice.Functions.Queues;

/// <summary>A queue function: its name (= its folder under functions/ and the path the host POSTs to), the queue it
/// reads (without the storage name prefix), its trigger binding's name in function.json, and its handler type.</summary>
public sealed record QueueFunctionRegistration(string FunctionName, string QueueName, string BindingName, Type HandlerType);
