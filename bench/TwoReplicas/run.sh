#!/usr/bin/env bash
# Two RelayHost replicas behind nginx, driven by the load tool (bench/RelayLoad --replicas): calls past one replica's
# cap are served by the other, and a replica stopped with SIGTERM drains its calls while new ones go to the other.
# Usage: bench/TwoReplicas/run.sh [cap per replica, default 100] [extra relay-load options...]
set -euo pipefail
cd "$(dirname "$0")/../.."
cap="${1:-100}"; shift || true

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y nginx-light; else echo "needs nginx (Debian: apt-get install nginx-light)" >&2; exit 1; fi
fi

dotnet build -c Release bench/RelayLoad >/dev/null
echo "uptime before: $(uptime)"
# The run lasts 60 s after the first wave connects; the stopped replica has 120 s to drain, so its calls end by
# themselves (they hang up at the run's end) and none is cut by the drain deadline.
dotnet bench/RelayLoad/bin/Release/net10.0/relay-load.dll --replicas 2 --replica-cap "$cap" \
  --duration 00:01:00 --drain-timeout 00:02:00 "$@"
echo "uptime after: $(uptime)"
