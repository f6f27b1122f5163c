#!/usr/bin/env bash
# Benchmark `ktriage scan` against `wc -l` (the floor: read every byte) and
# jq (the usual one-liner) on generated kube-apiserver audit logs, and check
# that ktriage reports exactly the attacks the generator injected.
#
#   scripts/bench.sh                         # 1G file, 5 rounds
#   scripts/bench.sh --size 200M --rounds 3
#   scripts/bench.sh --rounds 0 --sizes 10M,1G,4G   # only ktriage's peak RSS per size
#
# Files are generated once into ${KTRIAGE_BENCH_DIR:-target/bench} (by
# `cargo run --release --example gen-audit`, named after its version, size
# and seed) and kept for later runs; delete them when done (a 4G file is
# 4 GiB). Peak RSS comes from GNU time
# (/usr/bin/time -v, Debian package `time`); missing tools are installed with
# apt-get when possible, else skipped with a note.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

usage() {
    cat <<'EOF'
usage: scripts/bench.sh [--size SIZE] [--rounds N] [--sizes LIST] [--seed N]

  --size SIZE    file for the wc -l / jq / ktriage comparison (default 1G)
  --rounds N     rounds, each running the three tools in turn (default 5; 0 skips the comparison)
  --sizes LIST   also run ktriage once per size (e.g. 10M,1G,4G) and print its peak RSS (memory flatness)
  --seed N       generator seed (default 1)

Exit status: 0 when ktriage's alerts equal the generator's manifest, 1 when not, 2 on errors.
EOF
}

SIZE=1G
ROUNDS=5
SIZES=""
SEED=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --size) SIZE=${2:?--size needs a value}; shift 2 ;;
    --size=*) SIZE=${1#*=}; shift ;;
    --rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
    --rounds=*) ROUNDS=${1#*=}; shift ;;
    --sizes) SIZES=${2:?--sizes needs a value}; shift 2 ;;
    --sizes=*) SIZES=${1#*=}; shift ;;
    --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
    --seed=*) SEED=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $ROUNDS =~ ^[0-9]+$ ]] || { echo "bench.sh: --rounds must be a number" >&2; exit 2; }
[[ $SEED =~ ^[0-9]+$ ]] || { echo "bench.sh: --seed must be a number" >&2; exit 2; }

DIR=${KTRIAGE_BENCH_DIR:-target/bench}
mkdir -p "$DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# An empty config home: the built-in allowlist and default config, whatever
# the user running this has in ~/.config/ktriage.
mkdir -p "$WORK/config"

have() { command -v "$1" >/dev/null 2>&1; }
note() { echo "note: $*" >&2; }

# --- tools ---------------------------------------------------------------
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
have jq || missing+=(jq)
if ((${#missing[@]})); then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || { have sudo && sudo -n true 2>/dev/null && SUDO="sudo -n"; } || true
    if have apt-get && { [[ $(id -u) -eq 0 ]] || [[ -n $SUDO ]]; }; then
        echo "installing ${missing[*]} (apt-get) ..." >&2
        { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 ||
            note "could not install ${missing[*]}; continuing without"
    else
        note "missing ${missing[*]} (Debian packages: ${missing[*]}); continuing without"
    fi
fi
HAVE_TIME=0
[[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1 && HAVE_TIME=1
((HAVE_TIME)) || note "GNU time (/usr/bin/time -v) unavailable: no peak RSS"
HAVE_JQ=0
have jq && HAVE_JQ=1
((HAVE_JQ)) || note "jq unavailable: its row is skipped"

# --- build ---------------------------------------------------------------
echo "building (cargo build --release, example gen-audit) ..." >&2
cargo build --release --quiet
cargo build --release --quiet --example gen-audit
KTRIAGE=target/release/ktriage
GEN=target/release/examples/gen-audit
# Cached files are named after the generator version: a new version makes new files.
GEN_VERSION=$("$GEN" --version)

# --- machine -------------------------------------------------------------
cpu=$(grep -m1 -E '^(model name|Model|Hardware)' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
[[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo "?")
rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
git diff --quiet HEAD 2>/dev/null || rev="$rev+dirty"
echo "## Machine"
echo
echo "- CPUs: $(nproc) × ${cpu:-unknown}"
echo "- memory: $mem"
echo "- kernel: $(uname -sr)"
echo "- ktriage: $rev (release build); $(wc --version | head -1); $( ((HAVE_JQ)) && jq --version || echo "no jq")"
echo

# --- helpers -------------------------------------------------------------
# The generated file for a size (made when missing) and its manifest.
gen_file() {
    local size=$1 f="$DIR/audit-v$GEN_VERSION-$1-seed$SEED.jsonl"
    if [[ ! -s $f || ! -s $f.expected.json ]]; then
        local bytes avail
        bytes=$(awk -v s="$size" 'BEGIN {
            n = s + 0; u = toupper(substr(s, length(n "") + 1, 1))
            m = (u == "K") ? 1024 : (u == "M") ? 1048576 : (u == "G") ? 1073741824 : (u == "T") ? 1099511627776 : 1
            printf "%.0f", n * m }')
        avail=$(df -P -B1 "$DIR" | awk 'NR == 2 {print $4}')
        if ((bytes + (64 << 20) > avail)); then
            echo "bench.sh: not enough disk in $DIR for a $size file ($((avail >> 20)) MiB free)" >&2
            exit 2
        fi
        echo "generating $f ..." >&2
        "$GEN" --size "$size" --seed "$SEED" --out "$f.tmp" --manifest "$f.expected.json"
        mv "$f.tmp" "$f"
    fi
    echo "$f"
}

# timed OUT CMD... : run CMD with stdout to OUT (stderr to $WORK/stderr);
# sets T_SECS, T_RSS_KB (empty without GNU time), T_RC.
timed() {
    local out=$1
    shift
    local t0 t1
    t0=$EPOCHREALTIME
    if ((HAVE_TIME)); then
        /usr/bin/time -v -o "$WORK/time" "$@" >"$out" 2>"$WORK/stderr" && T_RC=0 || T_RC=$?
    else
        "$@" >"$out" 2>"$WORK/stderr" && T_RC=0 || T_RC=$?
    fi
    t1=$EPOCHREALTIME
    T_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    T_RSS_KB=""
    if ((HAVE_TIME)); then
        T_RSS_KB=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK/time")
    fi
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }

run_ktriage() { # FILE OUT [EXTRA ARGS]
    local file=$1 out=$2
    shift 2
    timed "$out" env XDG_CONFIG_HOME="$WORK/config" "$KTRIAGE" scan --format jsonl "$@" "$file"
    # 0: ran; 1: an alert at or above --fail-on (not passed here); 2: error.
    if ((T_RC > 1)); then
        echo "bench.sh: ktriage scan failed (exit $T_RC):" >&2
        cat "$WORK/stderr" >&2
        exit 2
    fi
}

# check OUT MANIFEST: ktriage's (rule, identity) set must equal the manifest.
check() {
    local got exp
    if ((HAVE_JQ)); then
        got=$(jq -r 'select(.kind == "alert") | "\(.rule)\t\(.identity)"' "$1" | sort -u)
        exp=$(jq -r '.[] | "\(.rule)\t\(.identity)"' "$2" | sort -u)
    elif have python3; then
        got=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a["kind"] == "alert": print(a["rule"] + "\t" + a["identity"])' "$1" | sort -u)
        exp=$(python3 -c 'import json,sys
for a in json.load(open(sys.argv[1])): print(a["rule"] + "\t" + a["identity"])' "$2" | sort -u)
    else
        echo "SKIPPED (needs jq or python3)"
        return 0
    fi
    if [[ $got == "$exp" ]]; then
        echo "PASS ($(wc -l <<<"$exp") (rule, identity) pairs)"
    else
        echo "FAIL"
        diff <(echo "$exp") <(echo "$got") | sed -n 's/^</  missing:/p; s/^>/  unexpected:/p'
        return 1
    fi
}

status=0
JQ_FILTER='select(.objectRef.resource=="secrets" and (.verb=="get" or .verb=="list" or .verb=="watch"))'

# --- the comparison ------------------------------------------------------
if ((ROUNDS > 0)); then
    FILE=$(gen_file "$SIZE")
    BYTES=$(stat -c %s "$FILE")
    echo "warming the page cache ($FILE) ..." >&2
    cat "$FILE" >/dev/null
    tools=(wc)
    ((HAVE_JQ)) && tools+=(jq)
    tools+=(ktriage)
    # Parsing runs on every core by default; show one thread too when the
    # build has the option.
    scan_help=$("$KTRIAGE" scan --help 2>/dev/null || true)
    [[ $scan_help == *--threads* ]] && tools+=(ktriage1)
    declare -A secs rss
    for t in "${tools[@]}"; do secs[$t]=""; rss[$t]=""; done
    for ((r = 1; r <= ROUNDS; r++)); do
        for t in "${tools[@]}"; do
            case $t in
            wc) timed "$WORK/wc.out" wc -l "$FILE" ;;
            jq) timed /dev/null jq -c "$JQ_FILTER" "$FILE" ;;
            ktriage) run_ktriage "$FILE" "$DIR/ktriage-$SIZE.jsonl" ;;
            ktriage1) run_ktriage "$FILE" "$WORK/k1.jsonl" --threads 1 ;;
            esac
            if [[ $t != ktriage* && $T_RC -ne 0 ]]; then
                echo "bench.sh: $t failed (exit $T_RC):" >&2
                cat "$WORK/stderr" >&2
                exit 2
            fi
            secs[$t]+="$T_SECS "
            rss[$t]+="${T_RSS_KB:-0} "
            echo "round $r/$ROUNDS: $t ${T_SECS}s" >&2
        done
    done
    EVENTS=$(awk '{print $1}' "$WORK/wc.out")
    # shellcheck disable=SC2086
    WC_MED=$(median ${secs[wc]})
    JQ_MED=""
    # shellcheck disable=SC2086
    ((HAVE_JQ)) && JQ_MED=$(median ${secs[jq]})
    echo "## ktriage scan vs wc -l and jq"
    echo
    echo "$FILE: $(awk -v b="$BYTES" 'BEGIN {printf "%.1f MiB", b / 1048576}'), $EVENTS events; median of $ROUNDS interleaved round(s), page cache warm."
    echo "jq filter: \`jq -c '$JQ_FILTER'\` (output to /dev/null); ktriage: \`ktriage scan --format jsonl FILE\` (default allowlist and config, output to a file; parse threads = cores unless \`--threads 1\`)."
    echo
    echo "| tool | median s | MB/s | events/s | peak RSS MiB | time ÷ wc -l | speed-up vs jq |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for t in "${tools[@]}"; do
        # shellcheck disable=SC2086
        med=$(median ${secs[$t]})
        # shellcheck disable=SC2086
        peak=$(maxof ${rss[$t]})
        awk -v t="$t" -v s="$med" -v b="$BYTES" -v e="$EVENTS" -v kb="$peak" -v wc="$WC_MED" -v jq="$JQ_MED" -v ht="$HAVE_TIME" 'BEGIN {
            name = (t == "wc") ? "`wc -l`" : (t == "jq") ? "`jq -c` (secret reads)" : (t == "ktriage") ? "`ktriage scan`" : "`ktriage scan --threads 1`"
            s1 = (s > 0) ? s : 0.001
            rssv = ht ? sprintf("%.1f", kb / 1024) : "n/a"
            vsjq = (jq == "") ? "n/a" : sprintf("%.1f×", jq / s1)
            printf "| %s | %.2f | %.0f | %.0f | %s | %.1f× | %s |\n", name, s, b / 1e6 / s1, e / s1, rssv, s1 / wc, vsjq
        }'
    done
    echo
    printf "ktriage's alerts equal the generator's manifest (%s): " "$FILE.expected.json"
    check "$DIR/ktriage-$SIZE.jsonl" "$FILE.expected.json" || status=1
    if [[ -s $WORK/k1.jsonl ]] && ! cmp -s "$WORK/k1.jsonl" "$DIR/ktriage-$SIZE.jsonl"; then
        echo "FAIL: ktriage's report with --threads 1 differs from the default's"
        status=1
    fi
    echo
fi

# --- memory flatness -----------------------------------------------------
if [[ -n $SIZES ]]; then
    echo "## ktriage peak RSS per file size"
    echo
    echo "| size | events | seconds | MB/s | peak RSS MiB | alerts = manifest |"
    echo "|---|---:|---:|---:|---:|---|"
    IFS=, read -r -a size_list <<<"$SIZES"
    for s in "${size_list[@]}"; do
        f=$(gen_file "$s")
        cat "$f" >/dev/null
        run_ktriage "$f" "$WORK/k.jsonl"
        b=$(stat -c %s "$f")
        ev=$(grep -o 'ktriage: [0-9]* events' "$WORK/stderr" | awk '{print $2}')
        res=$(check "$WORK/k.jsonl" "$f.expected.json") || { status=1; echo "$s: $res" >&2; }
        awk -v sz="$s" -v e="${ev:-?}" -v sec="$T_SECS" -v b="$b" -v kb="${T_RSS_KB:-}" -v r="${res%% *}" 'BEGIN {
            rssv = (kb == "") ? "n/a" : sprintf("%.1f", kb / 1024)
            printf "| %s | %s | %.2f | %.0f | %s | %s |\n", sz, e, sec, b / 1e6 / ((sec > 0) ? sec : 0.001), rssv, r
        }'
    done
    echo
fi

exit $status
