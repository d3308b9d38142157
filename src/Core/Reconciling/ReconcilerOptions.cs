using System.ComponentModel.DataAnnotations;
using NCrontab;

namespace AgentOS.Voice.Reconciling;

/// <summary>The reconciler of stuck records (section "Reconciler").</summary>
public sealed class ReconcilerOptions : IValidatableObject
{
    public const string SectionName = "Reconciler";

    /// <summary>
    /// When it runs: the Functions host's timer schedule (NCRONTAB with seconds first, six fields). The host reads it
    /// as an app setting before the app starts, where no default of ours reaches: the deployment sets it. The app (and
    /// the local runner, which reads the app's configuration) fall back to <see cref="DefaultSchedule"/>.
    /// </summary>
    [Required(ErrorMessage = "Reconciler:Schedule is required: the timer schedule of ReconcileRecords, e.g. \"0 */5 * * * *\".")]
    public string Schedule { get; set; } = DefaultSchedule;

    /// <summary>Every 5 minutes.</summary>
    public const string DefaultSchedule = "0 */5 * * * *";

    public const string ScheduleSetting = SectionName + ":" + nameof(Schedule);

    /// <summary>
    /// A call or message record on a call not written for this long is looked up at Twilio. Longer than a message's
    /// whole call (ringing, the voicemail greeting, the message, a recorded answer: a few minutes) so that callbacks
    /// still on their way are not raced; a live call Twilio still reports in progress is left, however long it runs.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Most records looked up at Twilio in one run (messages first, then calls); the rest wait for the next run.</summary>
    [Range(1, 5000)]
    public int MaxPerRun { get; set; } = 200;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Schedule) && CrontabSchedule.TryParse(Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null)
        {
            yield return new ValidationResult(
                $"Reconciler:Schedule '{Schedule}' is not an NCRONTAB schedule with seconds (six fields, e.g. \"0 */5 * * * *\").", [nameof(Schedule)]);
        }
    }
}
