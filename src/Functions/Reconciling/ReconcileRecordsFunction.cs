using AgentOS.Voice.Reconciling;
using Microsoft.Azure.Functions.Worker;

namespace AgentOS.Voice.Functions.Reconciling;

/// <summary>
/// Settles call and message records whose status callbacks never arrived (<see cref="RecordReconciler"/>), on the
/// schedule in the app setting Reconciler:Schedule. The host runs one invocation at a time across instances (its timer
/// lock), so two runs never look up the same records.
/// </summary>
public sealed class ReconcileRecordsFunction(RecordReconciler reconciler)
{
    public const string Name = "ReconcileRecords";

    [Function(Name)]
    public Task RunAsync([TimerTrigger("%Reconciler:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        reconciler.RunAsync(cancellationToken);
}
