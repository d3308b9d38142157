using AgentOS.Voice.Calls;

namespace AgentOS.Voice.Core.Tests.Calls;

public sealed class CallRecordMergeTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string> ReasonPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var a in CallRecordMerge.Precedence)
        {
            foreach (var b in CallRecordMerge.Precedence)
            {
                data.Add(a, b);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReasonPairs))]
    public void Two_ends_keep_the_reason_first_in_precedence_whichever_lands_last(string a, string b)
    {
        var expected = CallRecordMerge.Precedence.First(r => r == a || r == b);

        var (ab, _) = CallRecordMerge.Merge(Ended(a, 10), 0, Ended(b, 20));
        var (ba, _) = CallRecordMerge.Merge(Ended(b, 10), 0, Ended(a, 20));

        Assert.Equal((expected, expected), (ab.EndReason, ba.EndReason));
        Assert.Equal((Start.AddSeconds(10), Start.AddSeconds(10)), (ab.EndedAt, ba.EndedAt));
    }

    [Fact]
    public void Only_a_later_session_reopens_an_end_and_only_one_a_session_wrote()
    {
        var ended = Ended(CallEndReasons.CallerHungUp, 10);
        var live = new CallRecord { CallId = "c", AgentId = "a", StartedAt = Start.AddSeconds(12), Attempt = 2 };

        Assert.Equal(CallState.InProgress, CallRecordMerge.Merge(ended, 1, live).Record.State);
        Assert.Equal(CallState.Ended, CallRecordMerge.Merge(ended, 2, live).Record.State);
        Assert.Equal(CallState.Ended, CallRecordMerge.Merge(ended, 0, live).Record.State);
        Assert.Equal(CallState.Ended, CallRecordMerge.Merge(ended with { Billed = true }, 1, live).Record.State);
        Assert.Equal(CallState.Ended, CallRecordMerge.Merge(ended, 1, live with { Attempt = 0 }).Record.State);
    }

    private static CallRecord Ended(string reason, int atSecond) => new()
    {
        CallId = "c", AgentId = "a", State = CallState.Ended, StartedAt = Start, EndedAt = Start.AddSeconds(atSecond), EndReason = reason,
    };
}
