#!/usr/bin/env python3
"""Identity-flood memory benchmark for `ktriage scan` (issue 10, "Memory under
floods"): per-identity state must stay bounded when an attacker (or a broken
client) makes every request under a fresh identity.

Generates N `get secrets` lines (ResponseComplete, 5 ms apart, distinct
auditIDs) by N distinct users `user-{i}`, each reading one secret once, so
every line is its own `secret-read` alert. Then runs the release binary on it
and reports peak RSS (KiB, from wait4) for:

  scan      ktriage scan --format jsonl FILE
  follow    ktriage scan --follow --format jsonl FILE, stopped with SIGTERM
            once its summary shows every event read (the follow path keeps
            the same state, plus the joined-ID tracking of the stream)

and checks the output a user relies on: one secret-read alert per user with
event_count 1 (none missing, none wrong), and the summary's `evicted` record
present exactly when the limit was hit (`--max-identities N` is passed
through with --max-identities).

  scripts/identity-flood.py --sizes 10000,100000
  scripts/identity-flood.py --sizes 100000 --max-identities 20000
  scripts/identity-flood.py --write-only --sizes 100000   # just the file

Inputs are written to ${KTRIAGE_BENCH_DIR:-target/bench}/identity-flood-N.jsonl
and reused. Not run in CI (it takes minutes and ~1 GB on an unbounded build).
Exit status: 0 checks pass, 1 a check failed, 2 usage or build error.
Standard library only.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GAP_US = 5000
BASE = datetime.datetime(2026, 7, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
UA = "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"
LINE = (
    '{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata",'
    '"auditID":"00000000-0000-4000-8000-{i:012d}","stage":"ResponseComplete",'
    '"requestURI":"/api/v1/namespaces/prod/secrets/db-{j}","verb":"get",'
    '"user":{{"username":"user-{i}","groups":["system:authenticated"]}},'
    '"sourceIPs":["203.0.113.9"],"userAgent":"' + UA + '",'
    '"objectRef":{{"resource":"secrets","namespace":"prod","name":"db-{j}","apiVersion":"v1"}},'
    '"responseStatus":{{"metadata":{{}},"code":200}},'
    '"requestReceivedTimestamp":"{t}","stageTimestamp":"{t}",'
    '"annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}\n'
)


def generate(n, path):
    if os.path.exists(path):
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for i in range(n):
            t = BASE + datetime.timedelta(microseconds=GAP_US * i)
            # 50 secrets shared among the users: a realistic cluster.
            f.write(LINE.format(i=i, j=i % 50, t=t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
    os.replace(tmp, path)


def scan(binary, path, extra, out_path):
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        p = subprocess.Popen([binary, "scan", "--format", "jsonl", *extra, path], stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"identity-flood: ktriage exited {code}: see {out_path}.err")
    return usage.ru_maxrss


def follow(binary, path, n, extra, out_path):
    """Follow the (finished) file; SIGTERM once every event was read."""
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        p = subprocess.Popen(
            [binary, "scan", "--follow", "--format", "jsonl", *extra, path], stdout=out, stderr=err
        )
        # One alert line per user: when n alerts are out, everything was read.
        deadline = time.time() + 1800
        while time.time() < deadline:
            time.sleep(0.5)
            with open(out_path, "rb") as f:
                if sum(1 for _ in f) >= n:
                    break
            if p.poll() is not None:
                break
        time.sleep(1.0)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(p.pid, 0)
    return usage.ru_maxrss


# Must match detect::config::DEFAULT_MAX_IDENTITIES.
DEFAULT_LIMIT = 50000


def check(n, out_path, limit):
    limit = DEFAULT_LIMIT if limit is None else limit
    bad = []
    alerts = {}
    summary = None
    with open(out_path) as f:
        for line in f:
            d = json.loads(line)
            if d["kind"] == "alert" and d["rule"] == "secret-read":
                alerts[d["identity"]] = d
            elif d["kind"] == "summary":
                summary = d
    missing = [i for i in range(n) if f"user-{i}" not in alerts]
    if missing:
        bad.append(f"{len(missing)} users have no secret-read alert (first: user-{missing[0]})")
    wrong = [u for u, a in alerts.items() if a["event_count"] != 1]
    if wrong:
        bad.append(f"{len(wrong)} alerts with event_count != 1 (first: {wrong[0]})")
    if summary is None:
        bad.append("no summary record")
    else:
        evicted = summary.get("evicted")
        if n > limit and not evicted:
            bad.append(f"limit {limit} < {n} identities but the summary names no eviction")
        if n <= limit and evicted:
            bad.append(f"summary names an eviction under the limit: {evicted}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "ktriage"))
    ap.add_argument("--max-identities", type=int, default=None)
    ap.add_argument("--no-follow", action="store_true")
    ap.add_argument("--write-only", action="store_true")
    args = ap.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        sys.exit(2)
    d = os.environ.get("KTRIAGE_BENCH_DIR", os.path.join(ROOT, "target", "bench"))
    os.makedirs(d, exist_ok=True)
    extra = [] if args.max_identities is None else ["--max-identities", str(args.max_identities)]
    failed = False
    for n in sizes:
        path = os.path.join(d, f"identity-flood-{n}.jsonl")
        generate(n, path)
        if args.write_only:
            print(path)
            continue
        if not os.path.exists(args.bin):
            print(f"identity-flood: no binary at {args.bin} (cargo build --release)", file=sys.stderr)
            sys.exit(2)
        # Outputs go to their own directory: a follower watches the input's
        # directory for rotated files, and a growing output beside it is not one.
        od = os.path.join(d, "out")
        os.makedirs(od, exist_ok=True)
        out = os.path.join(od, f"identity-flood-{n}.out")
        rss = scan(args.bin, path, extra, out)
        bad = check(n, out, args.max_identities)
        line = f"{n:>8} identities  scan {rss / 1024:8.1f} MiB ({rss / n * 1024:6.0f} B/identity)"
        if not args.no_follow:
            fout = os.path.join(od, f"identity-flood-{n}.follow.out")
            frss = follow(args.bin, path, n, extra, fout)
            bad += [f"follow: {b}" for b in check(n, fout, args.max_identities)]
            line += f"  follow {frss / 1024:8.1f} MiB"
        print(line)
        for b in bad:
            print(f"  FAIL {b}")
        failed |= bool(bad)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
