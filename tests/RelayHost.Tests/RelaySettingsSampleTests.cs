using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.RelayHost.Tests;

public sealed class RelaySettingsSampleTests
{
    [Fact]
    public void The_local_settings_sample_lists_every_relay_host_setting()
    {
        var missing = SettingsSample.Missing(typeof(RelayHostOptions).Assembly);

        Assert.True(missing.Count == 0, "local.settings.sample.json lacks:\n" + string.Join(",\n", missing));
    }
}
