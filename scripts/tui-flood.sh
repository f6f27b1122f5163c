#!/usr/bin/env bash
# tui-flood.sh — load test for the ktriage TUI. NOT run in CI.
#
# Starts the TUI in a detached tmux session following a log file, then a
# writer appends audit events at RATE lines/s (default 100000) for SECONDS
# (default 10). MODE=mixed (default): mostly routine traffic the prefilter
# drops, 10% secret reads by allowlisted controllers (kept for
# re-evaluation), and a trickle of secret reads by an unknown identity
# (alerts). MODE=burst (issue 10's flood): 10% of the lines are GETs of
# distinct secrets by ONE unknown identity (one alert growing by RATE/10
# events/s), the rest routine. While it runs, it presses a
# key every 200 ms (switching panes 1 <-> 2) and measures the time until
# the screen shows the switch (keypress -> redraw, as tmux sees it, so it
# includes tmux's own capture overhead), and samples the TUI's RSS.
# After the writer stops it waits until the TUI has read every line (the
# worker's published event count, KTRIAGE_TUI_TIMING) and samples RSS for
# 10 s more. Prints p50/p99 latency, the catch-up time and RSS over time;
# exits 1 if p99 > LIMIT_MS, the TUI is not caught up CATCHUP_S after the
# writer stopped, or RSS still grows (last sample > 1.1x the one 5 s
# before it).
#
# Usage: scripts/tui-flood.sh [BINARY]   (default: target/release/ktriage;
#        build it with `cargo build --release`)
# Env:   RATE=100000 SECONDS_=10 LIMIT_MS=50 MODE=mixed CATCHUP_S=1.5
#        e.g. MODE=burst RATE=30000 scripts/tui-flood.sh
# Needs: tmux, python3.
set -euo pipefail
BIN=${1:-target/release/ktriage}
RATE=${RATE:-100000}
DURATION=${SECONDS_:-10}
LIMIT_MS=${LIMIT_MS:-50}
MODE=${MODE:-mixed}
CATCHUP_S=${CATCHUP_S:-1.5}
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

WORK=$(mktemp -d)
SOCK="ktriage-flood-$$"
# TIMING_OUT=FILE keeps the TUI's KTRIAGE_TUI_TIMING lines.
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  [ -n "${TIMING_OUT:-}" ] && cp "$WORK/timing.log" "$TIMING_OUT" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
LOG="$WORK/audit.log"
: > "$LOG"

tmux -L "$SOCK" new-session -d -s flood -x 120 -y 35 \
  "exec env XDG_STATE_HOME=$WORK/state XDG_CONFIG_HOME=$WORK/config KTRIAGE_TUI_TIMING=$WORK/timing.log $BIN --allowlist $WORK/allow.toml $LOG"
sleep 1
PID=$(tmux -L "$SOCK" display -p -t flood '#{pane_pid}')

python3 - "$LOG" "$RATE" "$DURATION" "$SOCK" "$PID" "$LIMIT_MS" "$MODE" "$CATCHUP_S" "$WORK/timing.log" <<'PY'
import json, subprocess, sys, threading, time
log, rate, duration, sock, pid, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6])
mode, catchup_s, timing = sys.argv[7], float(sys.argv[8]), sys.argv[9]

def ev(i, user, res, verb, ns, name, ua):
    return json.dumps({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"id-{i}",
        "stage": "ResponseComplete", "requestURI": f"/api/v1/namespaces/{ns}/{res}/{name}", "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": ["10.0.0.5"],
        "userAgent": ua, "objectRef": {"resource": res, "namespace": ns, "name": name, "apiVersion": "v1"},
        "responseStatus": {"code": 200},
        "requestReceivedTimestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
        "stageTimestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
    }) + "\n"

def batch(start, n):
    out = []
    for i in range(start, start + n):
        if mode == "burst":
            if i % 10 == 0:
                out.append(ev(i, "mallory", "secrets", "get", "prod", f"secret-{i:08d}", "curl/8.5"))
            else:
                out.append(ev(i, f"system:node:node-{i % 40}", "pods", "get", "default", f"web-{i % 300}", "kubelet/v1.30"))
            continue
        if i % 10 == 0:
            out.append(ev(i, "system:serviceaccount:kube-system:attachdetach-controller", "secrets", "get", "kube-system", f"tok-{i % 500}", "kube-controller-manager/v1.30"))
        elif i % 5000 == 1:
            out.append(ev(i, f"intruder-{i % 7}", "secrets", "get", "prod", f"db-{i % 50}", "curl/8.5"))
        else:
            out.append(ev(i, f"system:node:node-{i % 40}", "pods", "get", "default", f"web-{i % 300}", "kubelet/v1.30"))
    return "".join(out)

stop = False
written = [0]
def writer():
    per_tick = rate // 100
    i = 0
    with open(log, "a", buffering=1 << 20) as f:
        t0 = time.time()
        tick = 0
        while time.time() - t0 < duration:
            f.write(batch(i, per_tick)); f.flush()
            i += per_tick; tick += 1
            written[0] = i
            sleep = t0 + tick * 0.01 - time.time()
            if sleep > 0:
                time.sleep(sleep)

def tmux(*a):
    return subprocess.run(["tmux", "-L", sock, *a], capture_output=True, text=True).stdout

def rss_kib():
    try:
        for l in open(f"/proc/{pid}/status"):
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    except OSError:
        return -1

w = threading.Thread(target=writer); w.start()
lat, mem = [], []
t0 = time.time(); pane = "2"; last_mem = 0
while w.is_alive():
    marker = "▶ Identities" if pane == "2" else "▶ Incidents"
    start = time.perf_counter()
    tmux("send-keys", "-t", "flood", pane)
    while True:
        if marker in tmux("capture-pane", "-p", "-t", "flood"):
            lat.append((time.perf_counter() - start) * 1000); break
        if time.perf_counter() - start > 2:
            lat.append(2000.0); break
    pane = "1" if pane == "2" else "2"
    if time.time() - last_mem >= 1:
        last_mem = time.time(); mem.append((round(last_mem - t0, 1), rss_kib()))
    time.sleep(0.2)
w.join()
stopped = time.time()

def read_so_far():
    n = 0
    try:
        for l in open(timing):
            parts = l.split()
            if len(parts) == 3 and parts[1] == "events":
                n = int(parts[2])
    except OSError:
        pass
    return n

# How long after the writer stopped until the TUI had read every line.
caught = None
while time.time() - stopped < 30:
    if read_so_far() >= written[0]:
        caught = time.time() - stopped
        break
    time.sleep(0.05)
behind = written[0] - read_so_far()
while time.time() - stopped < 10:
    time.sleep(1); mem.append((round(time.time() - t0, 1), rss_kib()))

lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"mode {mode}: events written: {written[0]} in {duration:.0f} s ({written[0] / duration:.0f}/s)")
print(f"keypress->redraw over {len(lat)} presses: p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1]:.1f} ms")
if caught is None:
    print(f"NOT caught up: {behind} lines unread 30 s after the writer stopped")
else:
    print(f"every line read {caught:.2f} s after the writer stopped (goal <= {catchup_s} s)")
print("RSS over time (s: MiB): " + ", ".join(f"{t}: {k / 1024:.0f}" for t, k in mem))
end = mem[-1][1]
before = [k for t, k in mem if t <= mem[-1][0] - 5]
growing = bool(before) and end > 1.1 * before[-1]
print(f"RSS {'STILL GROWING' if growing else 'plateaued'}: {end / 1024:.0f} MiB at the end"
      + (f", {before[-1] / 1024:.0f} MiB 5 s before" if before else ""))
print(tmux("capture-pane", "-p", "-t", "flood").splitlines()[-2])
ok = p(0.99) <= limit and caught is not None and caught <= catchup_s and not growing
sys.exit(0 if ok else 1)
PY
