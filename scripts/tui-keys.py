#!/usr/bin/env python3
"""Keypress -> redraw latency of the TUI with a big log loaded.

Starts `ktriage --no-follow FILE` in a detached tmux session, waits until
the load is finished, then presses keys that change the screen (switch
panes 1/2, move the selection, type and clear a filter character) and
times each until tmux's copy of the screen shows the change. The figures
include tmux's own capture cost (a few ms per poll), so they are an upper
bound on ktriage's own latency.

    scripts/tui-keys.py FILE [--bin target/release/ktriage] [--presses 100]

Not run in CI. Needs tmux and python3.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--bin", default="target/release/ktriage")
    ap.add_argument("--presses", type=int, default=100)
    a = ap.parse_args()
    if not shutil.which("tmux"):
        print("tmux is required", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="ktriage-keys-")
    sock = f"ktriage-keys-{os.getpid()}"
    tmux = ["tmux", "-L", sock]
    binary = os.path.abspath(a.bin)
    subprocess.run(tmux + ["new-session", "-d", "-s", "k", "-x", "120", "-y", "40",
                           f"env XDG_CONFIG_HOME={work}/cfg XDG_STATE_HOME={work}/state "
                           f"{binary} --no-follow {os.path.abspath(a.file)}"], check=True)

    def screen():
        return subprocess.run(tmux + ["capture-pane", "-p", "-t", "k"],
                              capture_output=True, text=True).stdout

    try:
        t0 = time.perf_counter()
        while " loaded " not in screen():
            if time.perf_counter() - t0 > 600:
                print("the load did not finish", file=sys.stderr)
                return 2
            time.sleep(0.1)
        load = time.perf_counter() - t0
        pid = subprocess.run(tmux + ["display", "-p", "-t", "k", "#{pane_pid}"],
                             capture_output=True, text=True).stdout.strip()
        rss = 0
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) // 1024
        keys = ["2", "1", "j", "k", "/", "x", "Escape", "Tab", "BTab"]
        lat = []
        for i in range(a.presses):
            key = keys[i % len(keys)]
            before = screen()
            t = time.perf_counter()
            subprocess.run(tmux + ["send-keys", "-t", "k", key])
            while True:
                now = screen()
                if now != before:
                    lat.append((time.perf_counter() - t) * 1000)
                    break
                if time.perf_counter() - t > 2:
                    break  # the key changed nothing visible (e.g. k at the top)
            time.sleep(0.02)
        lat.sort()

        def pct(p):
            return lat[min(len(lat) - 1, int(len(lat) * p))]

        print(f"loaded in {load:.2f} s (as seen by polling tmux every 100 ms); RSS {rss} MiB")
        print(f"keypress -> redraw over {len(lat)} presses: median {pct(0.5):.1f} ms, "
              f"p99 {pct(0.99):.1f} ms, max {lat[-1]:.1f} ms (tmux capture included)")
    finally:
        subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
