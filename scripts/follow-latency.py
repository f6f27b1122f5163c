#!/usr/bin/env python3
"""Alert latency of `ktriage scan --follow` on a live, rotating audit log.

A writer appends routine audit events at RATE lines/s to a log file and,
every ATTACK_EVERY seconds, one secret read by a fresh unknown identity
(an attack line), noting when it wrote it. ktriage follows the file and
prints each alert as a jsonl line the moment it fires; a reader thread
notes when each attack's first alert arrives. The file is rotated by
rename-and-create (kube-apiserver's own rotation) ROTATIONS times during
the run. Prints median / p95 / p99 / max latency and the attacks missed.

    scripts/follow-latency.py [--bin target/release/ktriage] [--rate 5000]
                              [--seconds 20] [--rotations 3] [--poll]

Not run in CI (timing belongs here, not in tests). Needs only python3.
Exit status 1 if an attack was missed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time


def event(i, user, secret, agent):
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return json.dumps({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": f"00000000-0000-4000-8000-{i:012d}", "stage": "ResponseComplete",
        "requestURI": f"/api/v1/namespaces/prod/{secret}", "verb": "get",
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.7"], "userAgent": agent,
        "objectRef": {"resource": "secrets" if secret.startswith("secrets/") else "configmaps",
                      "namespace": "prod", "name": secret.split("/")[1], "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": now + ".000000Z", "stageTimestamp": now + ".001000Z",
    }, separators=(",", ":")) + "\n"


def main():
    # The writer and the reader are threads of this process: let the reader
    # take the GIL within 10 µs, or Python's 5 ms switch interval would be
    # measured instead of ktriage.
    sys.setswitchinterval(1e-5)
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/ktriage")
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rotations", type=int, default=3)
    ap.add_argument("--attack-every", type=float, default=0.05)
    ap.add_argument("--poll", action="store_true")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="ktriage-latency-")
    log = os.path.join(work, "audit.log")
    open(log, "w").close()
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "cfg"))
    cmd = [a.bin, "scan", "--follow", "--format", "jsonl", log]
    if a.poll:
        cmd.append("--poll")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    written = {}  # attack identity -> time written
    seen = {}     # attack identity -> time its first alert was read

    def reader():
        for raw in proc.stdout:
            t = time.perf_counter()
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            ident = rec.get("identity") or ""
            if ident.startswith("latency-probe-") and ident not in seen:
                seen[ident] = t

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    time.sleep(0.5)

    f = open(log, "a")
    start = time.perf_counter()
    n = attacks = 0
    next_attack = start + 1.0  # after a second of routine traffic
    rotate_at = [start + a.seconds * (k + 1) / (a.rotations + 1) for k in range(a.rotations)]
    batch = max(1, a.rate // 200)  # write in 5 ms slices
    while True:
        now = time.perf_counter()
        if now - start >= a.seconds:
            break
        if rotate_at and now >= rotate_at[0]:
            rotate_at.pop(0)
            f.close()
            os.rename(log, log + f".{int(now * 1000)}")
            f = open(log, "a")
        if now >= next_attack:
            ident = f"latency-probe-{attacks}"
            f.write(event(n, ident, f"secrets/db-{attacks}", "curl/8.5.0"))
            f.flush()
            written[ident] = time.perf_counter()
            attacks += 1
            n += 1
            next_attack += a.attack_every
        chunk = "".join(event(n + k, "system:node:node-1", f"configmaps/cm-{k}", "kubelet/v1.30.2")
                        for k in range(batch))
        f.write(chunk)
        f.flush()
        n += batch
        target = start + n / a.rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    f.close()
    time.sleep(1.0)
    proc.terminate()
    proc.wait(timeout=5)

    lat = sorted((seen[k] - written[k]) * 1000 for k in written if k in seen)
    missed = [k for k in written if k not in seen]
    elapsed = time.perf_counter() - start

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")

    print(f"lines written: {n} in {elapsed:.1f} s ({n / elapsed:.0f}/s), "
          f"{a.rotations} rotations, {'polling' if a.poll else 'inotify'}")
    print(f"attack lines: {len(written)}, alerted: {len(lat)}, missed: {len(missed)}")
    print(f"write -> alert latency: median {pct(0.5):.3f} ms, p95 {pct(0.95):.3f} ms, "
          f"p99 {pct(0.99):.3f} ms, max {lat[-1] if lat else float('nan'):.3f} ms")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
