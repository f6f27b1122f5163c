#!/usr/bin/env python3
"""How long the UI thread freezes on the Checklist pane (4) of a burst
incident: one identity reading N distinct secrets (scripts/burst-bench.py's
`one` burst), so the checklist has N rotate items and N evidence lines.

For each FILE: `ktriage --no-follow FILE` in a detached tmux session with
KTRIAGE_TUI_TIMING, wait for " loaded ", then
  open   press 4: the checklist row build (`rows-checklist`) and the wall
         time until the pane title shows "Checklist" focused with "done";
  tick   Space on the first step, five times (tick, untick…): row
         builds per tick;
  move   j then End: frames;
  filter `/secret-<last>` Enter: wall time until the last secret's row is
         on screen (it is not among the first rows shown).
Wall times include tmux polling (10 ms). Figures are the UI thread's own
timings from KTRIAGE_TUI_TIMING (ms), max over the phase.

    scripts/checklist-bench.py --bin target/release/ktriage FILE...
    python3 -c 'import importlib.util as u; s=u.spec_from_file_location("b","scripts/burst-bench.py"); \
m=u.module_from_spec(s); s.loader.exec_module(m); m.generate("one", 100000, "/tmp/one-100k.jsonl")'

Not run in CI. Needs tmux. Standard library only.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time


def tmux(sock, *args, capture=False):
    r = subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True)
    return r.stdout if capture else None


def screen(sock):
    return tmux(sock, "capture-pane", "-p", "-t", "k", capture=True) or ""


def wait_for(sock, pred, limit=1800):
    start = time.perf_counter()
    while True:
        s = screen(sock)
        if pred(s):
            return time.perf_counter() - start, s
        if time.perf_counter() - start > limit:
            raise SystemExit(f"checklist-bench: timed out; screen:\n{s}")
        time.sleep(0.01)


def timings(path, since):
    """(what, ms) lines appended to the timing file after byte `since`."""
    with open(path) as f:
        f.seek(since)
        out = []
        for line in f:
            p = line.split()
            if len(p) == 3:
                try:
                    out.append((p[1], float(p[2])))
                except ValueError:
                    pass
        return out


def mark(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def summary(lines, kinds=("rows-checklist", "steps-checklist", "frame")):
    out = []
    for k in kinds:
        v = [ms for w, ms in lines if w == k]
        if v:
            out.append(f"{k} n={len(v)} max={max(v):.1f}ms sum={sum(v):.1f}ms")
        else:
            out.append(f"{k} n=0")
    return "; ".join(out)


def bench(binary, path, last_name, w, h):
    work = tempfile.mkdtemp(prefix="checklist-bench-")
    tfile = os.path.join(work, "timing")
    sock = f"checklist-bench-{os.getpid()}"
    cmd = (f"env KTRIAGE_TUI_TIMING={tfile} XDG_CONFIG_HOME={work}/config "
           f"XDG_STATE_HOME={work}/state HOME={work} {binary} --no-follow {path}")
    tmux(sock, "new-session", "-d", "-s", "k", "-x", str(w), "-y", str(h), cmd)
    try:
        load, _ = wait_for(sock, lambda s: " loaded " in s)
        time.sleep(1.0)
        print(f"{os.path.basename(path)} {w}x{h}: loaded in {load:.1f}s")
        m = mark(tfile)
        tmux(sock, "send-keys", "-t", "k", "4")
        wall, s = wait_for(sock, lambda s: "▶ Checklist" in s and "done" in s)
        time.sleep(0.5)
        print(f"  open 4: wall {wall*1e3:.0f}ms; {summary(timings(tfile, m))}")
        m = mark(tfile)
        for _ in range(5):
            before = screen(sock)
            tmux(sock, "send-keys", "-t", "k", "Space")
            wait_for(sock, lambda s: s != before, limit=60)
            time.sleep(0.2)
        print(f"  5 ticks: {summary(timings(tfile, m))}")
        m = mark(tfile)
        before = screen(sock)
        tmux(sock, "send-keys", "-t", "k", "End")
        wait_for(sock, lambda s: s != before, limit=60)
        time.sleep(0.3)
        print(f"  End: {summary(timings(tfile, m))}")
        m = mark(tfile)
        tmux(sock, "send-keys", "-t", "k", "Home", "/")
        time.sleep(0.3)
        t = time.perf_counter()
        tmux(sock, "send-keys", "-t", "k", "-l", last_name)
        tmux(sock, "send-keys", "-t", "k", "Enter")
        wall, s = wait_for(sock, lambda s: s.count(last_name) >= 2, limit=120)
        wall = time.perf_counter() - t
        time.sleep(0.3)
        print(f"  filter /{last_name}: wall {wall*1e3:.0f}ms; {summary(timings(tfile, m))}")
        print("  screen after the filter:")
        for line in screen(sock).splitlines():
            print("   |" + line)
    finally:
        tmux(sock, "kill-server")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--bin", default="target/release/ktriage")
    ap.add_argument("--size", default="120x40", help="terminal WxH (default 120x40)")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    for p in a.files:
        # The last secret of a `one` burst: secret-<n-1>, 7 digits.
        with open(p, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 4096))
            tail = f.read().decode(errors="replace").strip().splitlines()[-1]
        name = tail.split('"name":"')[1].split('"')[0]
        bench(a.bin, p, name, w, h)


if __name__ == "__main__":
    sys.exit(main())
