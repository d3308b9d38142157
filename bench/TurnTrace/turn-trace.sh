#!/usr/bin/env bash
# One pre-warmed 1-session relay-load run, traced system-wide with perf for 80 s of its measured part, then split turn
# by turn into RelayHost's part and everything else (turn-trace.py). Needs root (or perf_event_paranoid -1), perf and
# the Release builds of RelayHost and bench/RelayLoad. Usage: bench/TurnTrace/turn-trace.sh [output folder]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/turn-trace}
mkdir -p "$out"
ulimit -n 20000
dotnet bench/RelayLoad/bin/Release/net10.0/relay-load.dll --sessions 1 --prewarm-sessions 100 --duration 00:01:40 \
  --out "$out/relay-load.json" > "$out/relay-load.log" 2>&1 &
caller=$!
until grep -q "sessions open in" "$out/relay-load.log"; do
  kill -0 "$caller" 2>/dev/null || { cat "$out/relay-load.log"; exit 1; }
  sleep 1
done
sleep 12 # past the run's own 10 s warm-up
fake=$(pgrep -f 'fake-llm.dll' | head -1)
relay=$(pgrep -f 'AgentOS.Voice.RelayHost.dll' | head -1)
perf record -a -o "$out/sched.data" -e sched:sched_switch -e sched:sched_wakeup -e syscalls:sys_enter_sendto \
  -e syscalls:sys_exit_recvfrom -e syscalls:sys_exit_epoll_wait -e syscalls:sys_enter_epoll_wait -- sleep 80 2> "$out/perf.log"
perf script -i "$out/sched.data" -F pid,tid,cpu,time,event,trace > "$out/sched.txt" 2>/dev/null
wait "$caller"
grep -A8 '^== RelayHost' "$out/relay-load.log"
echo
python3 bench/TurnTrace/turn-trace.py "$out/sched.txt" --caller "$caller" --fake "$fake" --relay "$relay"
