#!/usr/bin/env python3
"""TUI full load time against `ktriage scan` on the same file (issue 9: at
most 1.2x). Both read through the same reader (source::read::read_set, JSON
lines classified on every core); the TUI also builds snapshots while loading.

For each round (interleaved, so both see the same machine state):
  - `ktriage scan --format jsonl FILE > /dev/null`, wall time;
  - `ktriage --no-follow FILE` in a detached tmux session, wall time until
    the status bar says " loaded " (tmux polled every 20 ms, so the TUI
    figure carries up to ~25 ms of polling on top).

    scripts/tui-load.py FILE [--bin target/release/ktriage] [--rounds 3]

Generate a big FILE with
    cargo run --release --example gen-audit -- --size 1G --seed 1 --out /tmp/1g.jsonl
Not run in CI. Needs tmux and python3.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


RUNS = [0]


def measure_tui(binary, path, work, tmux):
    """Wall time from starting the TUI in tmux to " loaded " on its screen.
    Each run gets its own tmux server: reusing one just killed races."""
    RUNS[0] += 1
    tmux = tmux[:-1] + [f"{tmux[-1]}-{RUNS[0]}"]
    t = time.perf_counter()
    subprocess.run(tmux + ["new-session", "-d", "-s", "k", "-x", "120", "-y", "40",
                           f"env XDG_CONFIG_HOME={work}/cfg XDG_STATE_HOME={work}/state "
                           f"{binary} --no-follow {path}"], check=True)
    try:
        while True:
            out = subprocess.run(tmux + ["capture-pane", "-p", "-t", "k"],
                                 capture_output=True, text=True).stdout
            if " loaded " in out:
                return time.perf_counter() - t
            if time.perf_counter() - t > 900:
                raise SystemExit("the TUI load did not finish")
            time.sleep(0.02)
    finally:
        subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--bin", default="target/release/ktriage")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if not shutil.which("tmux"):
        print("tmux is required", file=sys.stderr)
        return 2
    binary = os.path.abspath(a.bin)
    path = os.path.abspath(a.file)
    work = tempfile.mkdtemp(prefix="ktriage-load-")
    env = dict(os.environ, XDG_CONFIG_HOME=f"{work}/cfg", XDG_STATE_HOME=f"{work}/state")
    sock = f"ktriage-load-{os.getpid()}"
    tmux = ["tmux", "-L", sock]
    scan_t, tui_t = [], []
    tiny = os.path.join(work, "tiny.jsonl")
    with open(path) as src, open(tiny, "w") as dst:
        for _, line in zip(range(100), src):
            dst.write(line)
    try:
        for r in range(a.rounds):
            t = time.perf_counter()
            subprocess.run([binary, "scan", "--format", "jsonl", path], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            scan_t.append(time.perf_counter() - t)

            tui_t.append(measure_tui(binary, path, work, tmux))
            print(f"round {r + 1}: scan {scan_t[-1]:.2f} s, TUI {tui_t[-1]:.2f} s", file=sys.stderr)
        # What the harness itself costs (a tmux session, terminal set-up,
        # the first frame, polling): the same measurement on 100 lines.
        start = statistics.median(measure_tui(binary, tiny, work, tmux) for _ in range(3))
    finally:
        subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    s, u = statistics.median(scan_t), statistics.median(tui_t)
    ratio = u / s
    net = max(u - start, 0.0) / s
    verdict = "PASS" if net <= 1.2 else "FAIL"
    print(f"median scan {s:.2f} s, TUI load {u:.2f} s: {ratio:.2f}x raw; "
          f"TUI start-up in tmux {start:.2f} s; load net of start-up {net:.2f}x (goal <= 1.2x) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
