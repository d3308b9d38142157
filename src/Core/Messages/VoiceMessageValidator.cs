using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Twiml;

namespace AgentOS.Voice.Messages;

/// <summary>
/// Checks a message before anything is stored or queued, naming every bad field at once (camelCase, as in the JSON).
/// The same rules apply to API requests and to jobs outside producers enqueue.
/// </summary>
public static class VoiceMessageValidator
{
    public const int MaxIdempotencyKeyLength = 200;
    public const int MaxVoiceLength = 100;

    public static Dictionary<string, string[]> Validate(VoiceMessageJob job, DateTimeOffset now, VoiceMessageOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        if (string.IsNullOrWhiteSpace(job.To))
        {
            errors["to"] = ["Required: the number to call in E.164, e.g. +14155550100."];
        }
        else if (!PhoneNumbers.IsE164(job.To))
        {
            errors["to"] = [$"'{job.To}' is not an E.164 number (+ then 7 to 15 digits, e.g. +14155550100)."];
        }

        if (string.IsNullOrWhiteSpace(job.Text))
        {
            errors["text"] = ["Required: the words to speak."];
        }
        else if (job.Text.Length > options.MaxTextLength)
        {
            errors["text"] = [$"{job.Text.Length} characters; at most {options.MaxTextLength} are allowed."];
        }
        else if (XmlText.Problem(job.Text) is { } textProblem)
        {
            errors["text"] = [textProblem];
        }

        if (job.SendAt is { } sendAt && sendAt < now - options.SendAtTolerance)
        {
            errors["sendAt"] = [$"{sendAt:O} is in the past (now is {now:O}; up to {options.SendAtTolerance.TotalMinutes:0.#} minutes late is accepted)."];
        }

        if (job.IdempotencyKey is { } key && (key.Length == 0 || key.Length > MaxIdempotencyKeyLength || XmlText.FirstInvalid(key) >= 0))
        {
            errors["idempotencyKey"] = [$"Must be 1 to {MaxIdempotencyKeyLength} characters without control characters."];
        }

        if (job.Voice is { } voice && (string.IsNullOrWhiteSpace(voice) || voice.Length > MaxVoiceLength || XmlText.FirstInvalid(voice) >= 0))
        {
            errors["voice"] = [$"Must be a voice name or id of 1 to {MaxVoiceLength} characters without control characters, or left out for the agent's voice."];
        }

        return errors;
    }

    /// <summary>For queue jobs: the API's rules plus <see cref="ValidateIdentity"/>.</summary>
    public static Dictionary<string, string[]> ValidateJob(VoiceMessageJob job, DateTimeOffset now, VoiceMessageOptions options)
    {
        // A job may sit in the queue for long; lateness was judged when it was accepted, not when it is delivered.
        var errors = Validate(job with { SendAt = null }, now, options);
        foreach (var (field, problems) in ValidateIdentity(job))
        {
            errors[field] = problems;
        }

        return errors;
    }

    /// <summary>What a job needs before its record can be looked up: an agent, and an id or idempotency key to dedupe on.</summary>
    public static Dictionary<string, string[]> ValidateIdentity(VoiceMessageJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(job.AgentId))
        {
            errors["agentId"] = ["Required: the agent sending the message."];
        }

        if (job.MessageId is null && job.IdempotencyKey is null)
        {
            errors["messageId"] = ["Set messageId or idempotencyKey, so a message enqueued twice is sent once."];
        }
        else if (job.MessageId is not null && !MessageIds.IsValid(job.MessageId))
        {
            errors["messageId"] = ["Must be 1 to 64 letters, digits, '-' or '_'."];
        }

        return errors;
    }

    public static string Describe(Dictionary<string, string[]> errors) =>
        string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}
