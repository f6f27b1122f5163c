#!/usr/bin/env bash
# Lines over 1 MiB are judged, in bounded memory: generate the two cases of
# issue 10 and check that `ktriage scan` alerts on each, counts the line as
# large (not malformed), and peaks under 64 MiB RSS; then a truly broken
# 2 MiB line (must stay malformed, with its line number) and the throughput
# on many 6 MiB lines against `wc -l` on the same file.
#
#   scripts/large-lines.sh            # builds release, writes into target/large-lines
#
# Peak RSS comes from GNU time (/usr/bin/time -v, Debian package `time`).
# Exit status: 0 when every check passes, 1 when one fails, 2 on errors.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

LIMIT_KB=$((64 * 1024))
DIR=${KTRIAGE_LARGE_DIR:-target/large-lines}
mkdir -p "$DIR"
if [[ ! -x /usr/bin/time ]]; then
    echo "GNU time missing: apt-get install -y time" >&2
    (apt-get install -y time >/dev/null 2>&1) || { echo "cannot install GNU time" >&2; exit 2; }
fi
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/ktriage

python3 - "$DIR" <<'EOF'
import base64, json, sys
d = sys.argv[1]
MIB = 1 << 20

def ev(n, **kw):
    e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
         "auditID": "00000000-0000-4000-8000-%012d" % n, "stage": "ResponseComplete",
         "requestURI": "/api/v1/namespaces/prod/secrets/db-pass", "verb": "get",
         "user": {"username": "mallory", "groups": ["system:authenticated"]},
         "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",
         "objectRef": {"resource": "secrets", "namespace": "prod", "name": "db-pass", "apiVersion": "v1"},
         "responseStatus": {"metadata": {}, "code": 200},
         "requestReceivedTimestamp": "2026-07-01T10:00:%02d.000000Z" % n,
         "stageTimestamp": "2026-07-01T10:00:%02d.004000Z" % n,
         "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}}
    e.update(kw)
    return e

def lease(n):
    return ev(n, user={"username": "system:node:n1"}, verb="update",
              requestURI="/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1",
              objectRef={"resource": "leases", "namespace": "kube-node-lease", "name": "n1"})

def write(name, lines):
    with open(f"{d}/{name}", "w") as f:
        for l in lines:
            f.write(l if isinstance(l, str) else json.dumps(l))
            f.write("\n")

# 1. A secret get with a 2 MiB user agent.
ua = ev(2, userAgent="python-requests/2.31 " + "A" * (2 * MIB))
write("ua-2mib.jsonl", [lease(1), ua, lease(3)])

# 2. A cluster-wide `list secrets` at RequestResponse level: the response
#    holds every Secret of the cluster with its data (6 MiB).
items, size, i = [], 0, 0
while size < 6 * MIB:
    s = json.dumps({"metadata": {"name": f"app-{i}", "namespace": f"ns-{i % 40}", "uid": f"u-{i}",
                                 "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
                    "data": {"password": base64.b64encode(b"s3cret-%d" % i * 120).decode()},
                    "type": "Opaque"})
    items.append(s); size += len(s) + 1; i += 1
head = json.dumps(ev(5, level="RequestResponse", verb="list", requestURI="/api/v1/secrets?limit=500",
                     objectRef={"resource": "secrets", "apiVersion": "v1"}))
big = head[:-1] + ',"responseObject":{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[' + ",".join(items) + "]}}"
write("list-6mib.jsonl", [big, lease(6)])

# 3. A truly broken 2 MiB line (cut mid-value) between two good ones.
broken = json.dumps(ev(8, userAgent="B" * (2 * MIB)))[:-40]
write("broken-2mib.jsonl", [lease(7), broken, lease(9)])

# 4. Throughput: 16 copies of the 6 MiB line.
write("list-16x6mib.jsonl", [big] * 16)
EOF

fail=0
peak() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
summary() { grep '"kind":"summary"' "$1" | python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); print(s["large"], s["malformed"], s["events"])'; }
rules() { python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["rule"] for l in open(sys.argv[1]) if "\"kind\":\"alert\"" in l})))' "$1"; }

check() { # file, rule that must fire, expected "large malformed"
    local f=$1 want=$2 counts=$3 threads
    for threads in 1 2; do
        local out="$DIR/out.jsonl" err="$DIR/err.txt"
        /usr/bin/time -v "$BIN" scan --no-default-allowlist --threads "$threads" --format jsonl "$DIR/$f" >"$out" 2>"$err" || true
        local kb got sum verdict=PASS
        kb=$(peak "$err"); got=$(rules "$out"); sum=$(summary "$out")
        [[ " $got " == *" $want "* ]] || verdict=FAIL
        [[ "${sum% *}" == "$counts" ]] || verdict=FAIL
        ((kb < LIMIT_KB)) || verdict=FAIL
        [[ $verdict == PASS ]] || fail=1
        printf '%s  %-18s threads=%s  alerts: %s\n      large/malformed/events: %s (want %s)  peak RSS %d KiB (limit %d)\n' \
            "$verdict" "$f" "$threads" "${got:-none}" "$sum" "$counts" "$kb" "$LIMIT_KB"
        grep -o '[.][.][.]([0-9]* bytes, cut)' "$out" | sort -u | sed 's/^/      cut marker in output: /' || true
        grep -o 'broken-2mib.jsonl:[0-9]*: [^;]*' "$err" | head -1 | sed 's/^/      /' || true
    done
}

check ua-2mib.jsonl secret-read "1 0"
check list-6mib.jsonl secret-list-cluster-wide "1 0"
# The broken line: no alert for it, one malformed at line 2, nothing large.
for threads in 1 2; do
    "$BIN" scan --no-default-allowlist --threads "$threads" --format jsonl "$DIR/broken-2mib.jsonl" >"$DIR/out.jsonl" 2>"$DIR/err.txt" || true
    sum=$(summary "$DIR/out.jsonl")
    where=$(grep -o 'broken-2mib.jsonl:2: malformed JSON[^;]*' "$DIR/err.txt" | head -1 || true)
    if [[ "$sum" == "0 1 2" && -n "$where" ]]; then v=PASS; else v=FAIL; fail=1; fi
    printf '%s  broken-2mib.jsonl  threads=%s  large/malformed/events: %s (want 0 1 2)\n      %s\n' "$v" "$threads" "$sum" "${where:-no malformed line reported at line 2}"
done

# Throughput, one run each (a noisy 2-core machine: read the ratio).
f="$DIR/list-16x6mib.jsonl"
mb=$(($(stat -c %s "$f") / 1000000))
t0=$(date +%s.%N); wc -l "$f" >/dev/null; t1=$(date +%s.%N)
/usr/bin/time -v "$BIN" scan --no-default-allowlist --format jsonl "$f" >"$DIR/out.jsonl" 2>"$DIR/err.txt" || true
t2=$(date +%s.%N)
python3 - "$mb" "$t0" "$t1" "$t2" "$(peak "$DIR/err.txt")" "$(summary "$DIR/out.jsonl")" <<'EOF'
import sys
mb, t0, t1, t2, kb, s = int(sys.argv[1]), *map(float, sys.argv[2:5]), int(sys.argv[5]), sys.argv[6]
wc, k = t1 - t0, t2 - t1
print(f"info  16 x 6 MiB lines ({mb} MB): scan {k:.2f} s ({mb / k:.0f} MB/s), wc -l {wc:.2f} s, ratio {k / max(wc, 1e-3):.1f}x; "
      f"peak RSS {kb} KiB; large/malformed/events {s}")
EOF
if ((fail)); then echo "FAIL"; exit 1; fi
echo "PASS"
