using System.Net;

namespace AgentOS.Voice.Speech;

/// <summary>
/// ElevenLabs answered with an error. <see cref="ErrorCode"/> is the provider's code from
/// <c>{"detail":{"status":…,"message":…}}</c> (invalid_api_key, quota_exceeded, voice_not_found,
/// too_many_concurrent_requests, max_character_limit_exceeded, …); for 422 validation errors it is null and
/// <see cref="InvalidFields"/> lists what was rejected.
/// </summary>
public sealed class ElevenLabsException : SpeechSynthesisException
{
    public ElevenLabsException(HttpStatusCode httpStatus, string? errorCode, string message, IReadOnlyList<ElevenLabsInvalidField>? invalidFields = null)
        : base(ElevenLabsClient.Provider, message)
    {
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
        InvalidFields = invalidFields ?? [];
    }

    public HttpStatusCode HttpStatus { get; }
    public string? ErrorCode { get; }
    public IReadOnlyList<ElevenLabsInvalidField> InvalidFields { get; }
}

/// <summary>One entry of a 422 body: where (e.g. "body.text"), why, and the validator's type.</summary>
public sealed record ElevenLabsInvalidField(string Location, string Message, string? Type);
