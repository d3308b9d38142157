#!/usr/bin/env bash
# After a deploy: is the environment answering as Twilio will reach it? Checks RelayHost's liveness and readiness
# and the Functions app's signature check both ways: an unsigned webhook must be refused (403) and a signed one for
# an agent that does not exist must get spoken TwiML (200, <Response>), which touches no state.
#
#   TWILIO_AUTH_TOKEN=... infra/smoke.sh https://<functions host> wss://<relay host>
set -euo pipefail

functions="${1:?functions base url}" relay="${2:?relay base url}"
token="${TWILIO_AUTH_TOKEN:?TWILIO_AUTH_TOKEN is required to sign the test webhook}"
relay_https="https://${relay#wss://}"
failures=0

expect() { # what, wanted status, actual status
  if [[ "$3" == "$2" ]]; then echo "smoke: ok   $1 ($3)"; else echo "smoke: FAIL $1: wanted $2, got $3" >&2; failures=$((failures + 1)); fi
}

status() { curl -sS -o /tmp/smoke-body -w '%{http_code}' --max-time 30 "$@" || echo 000; }

expect "relay /healthz" 200 "$(status "$relay_https/healthz")"
expect "relay /readyz" 200 "$(status "$relay_https/readyz")"

# Twilio's signature: HMAC-SHA1 over the URL followed by every POST parameter name and value, sorted by name.
url="${functions%/}/agents/smoke-check-no-such-agent/incoming-call"
params=(AccountSid=ACsmoke CallSid=CAsmoke0000000000000000000000000000 From=+15550000000 To=+15550000001)
signed="$url"
for p in $(printf '%s\n' "${params[@]}" | sort); do signed+="${p%%=*}${p#*=}"; done
signature="$(printf '%s' "$signed" | openssl dgst -sha1 -hmac "$token" -binary | base64)"
form=(); for p in "${params[@]}"; do form+=(--data-urlencode "$p"); done

expect "unsigned webhook refused" 403 "$(status -X POST "${form[@]}" "$url")"
expect "signed webhook answered" 200 "$(status -X POST -H "X-Twilio-Signature: $signature" "${form[@]}" "$url")"
grep -q '<Response>' /tmp/smoke-body || { echo "smoke: FAIL signed webhook: no TwiML <Response> in the answer" >&2; failures=$((failures + 1)); }

((failures == 0)) || { echo "smoke: $failures check(s) failed" >&2; exit 1; }
echo "smoke: all checks passed"
