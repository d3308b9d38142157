using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Rest;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Core.Tests.Twilio;

public class TwilioApiBaseUrlHandlerTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5050", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json", "http://127.0.0.1:5050/2010-04-01/Accounts/AC1/Calls.json")]
    [InlineData("http://127.0.0.1:5050/twilio/", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA1.json", "http://127.0.0.1:5050/twilio/2010-04-01/Accounts/AC1/Calls/CA1.json")]
    [InlineData("https://api.twilio.com", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json")]
    [InlineData("http://127.0.0.1:5050", "https://other.example.com/a?b=1", "https://other.example.com/a?b=1")]
    public async Task Requests_for_twilios_api_go_to_the_configured_base_and_nothing_else_moves(string apiBase, string requested, string sent)
    {
        var inner = new RecordingHandler();
        using var http = new HttpClient(new TwilioApiBaseUrlHandler(Options.Create(new TwilioOptions { ApiBaseUrl = apiBase })) { InnerHandler = inner });

        using var response = await http.PostAsync(requested, new StringContent("To=%2B1"));

        Assert.Equal(sent, inner.Sent!.AbsoluteUri);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public Uri? Sent { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
        }
    }
}
