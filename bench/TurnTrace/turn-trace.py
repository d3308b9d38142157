#!/usr/bin/env python3
"""Where a first token's time goes, turn by turn, from a system-wide perf trace of a 1-session relay-load run.

Reads `perf script -F pid,tid,cpu,time,event,trace` output holding sched_switch/sched_wakeup and the sendto, recvfrom
and epoll_wait syscall events of all processes, and follows each turn across the three processes: the caller's prompt
send, RelayHost's wake-up, read and model-request send, the fake's wake-up and read, the fake's first token send,
RelayHost's wake-up, read and frame send, and the caller's wake-up and read. It splits the caller's figure (its read of
the first token less the prompt send, less the set TTFT) into RelayHost's part (from the wake-up of its socket thread to
its send, both legs) and everything else (loopback, the fake, the load tool).
"""
import argparse
import bisect
import re
import statistics

LINE = re.compile(r'\s*(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)')


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                pid, _tid, _cpu, t, event, rest = m.groups()
                events.append((float(t) * 1000, pid, event, rest))
    return events


def send_length(rest):
    m = re.search(r'len: 0x([0-9a-f]+)', rest)
    return int(m.group(1), 16) if m else None


def read_bytes(rest):
    value = int(rest.split()[-1], 16)
    return value if value < 1 << 63 else value - (1 << 64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('trace')
    parser.add_argument('--caller', required=True, help='pid of relay-load')
    parser.add_argument('--fake', required=True, help='pid of fake-llm')
    parser.add_argument('--relay', required=True, help='pid of RelayHost')
    parser.add_argument('--ttft-ms', type=float, default=200)
    args = parser.parse_args()
    events = read_events(args.trace)
    times = [e[0] for e in events]

    def first(start, pid, kind, within=args.ttft_ms * 2, predicate=lambda rest: True):
        # perf script prints events in time order, so each search starts at its moment instead of the trace's start.
        for i in range(bisect.bisect_left(times, start), len(events)):
            t, p, event, rest = events[i]
            if t > start + within:
                return None
            if p == pid and event.endswith(kind) and predicate(rest):
                return t
        return None

    got_data = lambda rest: read_bytes(rest) > 0
    model_request = lambda rest: (send_length(rest) or 0) > 1000
    rows = []
    for t0, pid, event, rest in events:
        # A prompt is a caller send of a text-sized frame that RelayHost answers with a model request: not a DTMF key
        # (33 bytes), a WebSocket ping (6), or an interrupt (answered by closing a stream, not opening one).
        if pid != args.caller or not event.endswith('sendto') or not 64 <= (send_length(rest) or 0) <= 0x200:
            continue
        request = first(t0, args.relay, 'sendto', within=20, predicate=model_request)
        if request is None:
            continue
        relay_wake = first(t0, args.relay, 'exit_epoll_wait')
        relay_read = first(t0, args.relay, 'exit_recvfrom', predicate=got_data)
        token = first(t0 + args.ttft_ms * 0.75, args.fake, 'sendto')
        if None in (relay_wake, relay_read, token):
            continue
        relay_wake2 = first(token, args.relay, 'exit_epoll_wait')
        relay_read2 = first(token, args.relay, 'exit_recvfrom', predicate=got_data)
        frame = first(token, args.relay, 'sendto')
        caller_read = first(frame, args.caller, 'exit_recvfrom', predicate=got_data) if frame else None
        if None in (relay_wake2, relay_read2, frame, caller_read):
            continue
        total = caller_read - t0 - args.ttft_ms
        relay = (request - relay_wake) + (frame - relay_wake2)
        rows.append({
            'to caller, less the TTFT': total,
            'RelayHost, its socket thread woken → its send, both legs': relay,
            '  of which its read → its send, prompt (parse, model request, HTTP/2, TLS)': request - relay_read,
            '  of which its read → its send, first token (SSE, relay frame)': frame - relay_read2,
            'everything else (loopback, the fake, the load tool)': total - relay,
        })
        print(f'turn at {t0 / 1000:.3f} s: {total:.3f} ms, RelayHost {relay:.3f} '
              f'(prompt {request - relay_read:.3f}, token {frame - relay_read2:.3f}), everything else {total - relay:.3f}')

    if not rows:
        raise SystemExit('no whole turn found: are the pids right, and did the trace hold the syscall events?')
    print(f'\nms over {len(rows)} turns:')
    for name in rows[0]:
        values = sorted(r[name] for r in rows)
        print(f'  {name:78} p50 {statistics.median(values):6.3f}  min {values[0]:6.3f}  max {values[-1]:6.3f}')


if __name__ == '__main__':
    main()
