#!/usr/bin/env bash
# End-to-end throughput and memory of streamlstmd beside the reference programs in ../shared/bench,
# on the same load (10,000 series, 100 lines per message, no training), in one run, with the ratios:
#
#   streamlstmd  `streamlstmd bench daemon --training alternate`: the production case (every series
#                trained onto weights of its own first), one daemon on both cores, its producer on the
#                same cores; the same queue of timed samples with learning off, then on
#   C reference  ../shared/bench/c, built here into a temporary folder when gcc and libzmq are there:
#                two processes with 5,000 series each (both cores), each queue filled before it starts
#                (--hold), so that it is timed without its producer
#   Python peer  ../shared/bench/peer_daemon.py, when PEER_PYTHON has torch and pyzmq (H = 32 only)
#
# Each figure is the median of RUNS runs (default 3) at H = 16 and H = 32 (HIDDEN="16 32"), SAMPLES
# timed samples each (default 3,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."
bench_dir=${BENCH_DIR:-../shared/bench}
peer_python=${PEER_PYTHON:-/tmp/peer/bin/python}
binary=${STREAMLSTMD:-.build/release/streamlstmd}
runs=${RUNS:-3}
hidden_sizes=${HIDDEN:-16 32}
# Timed samples per run, for ours and (split between its two processes) for the C reference: at
# 1.5 M samples/s a million would be timed in under a second, where the start of the burst weighs.
samples=${SAMPLES:-3000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

c_reference=""
if [ -d "$bench_dir/c" ] && command -v gcc >/dev/null && make -s -C "$bench_dir/c" OUT="$work/c" >/dev/null 2>&1; then
    c_reference=$work/c/c_daemon_avx512
    grep -qw avx512f /proc/cpuinfo || c_reference=$work/c/c_daemon
fi

# One run of the C reference: two processes of 5,000 series each; prints "samples/s bytes-per-series-block".
c_run() {
    local hidden=$1 k pids=()
    for k in 0 1; do
        local sub pub control
        sub=$(free_port) pub=$(free_port) control=$(free_port)
        "$c_reference" -H "$hidden" --hold --report "$work/c$k.json" --sub "tcp://127.0.0.1:$sub" \
            --pub "tcp://127.0.0.1:$pub" --control "tcp://127.0.0.1:$control" >/dev/null 2>&1 &
        pids+=($!)
        python3 "$bench_dir/load_gen.py" --pub "tcp://127.0.0.1:$sub" --alerts "tcp://127.0.0.1:$pub" \
            --control "tcp://127.0.0.1:$control" -S 5000 --warmup-rounds 2 -N $((samples / 2)) -B 100 --hold \
            >/dev/null 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    python3 - "$work/c0.json" "$work/c1.json" <<'EOF'
import json, sys
reports = [json.load(open(path)) for path in sys.argv[1:]]
rate = sum(r["samples_per_s"] for r in reports)
# Its own figure for a series' block: its resident growth also holds the whole queue, filled before the start.
print(int(rate), reports[0]["bytes_per_series_block"])
EOF
}

for hidden in $hidden_sizes; do
    echo "== H = $hidden: streamlstmd bench daemon --series 10000 --hidden $hidden --samples $samples" \
        "--training alternate, $runs runs"
    rates=""
    learning_rates=""
    memories=""
    for run in $(seq "$runs"); do
        out=$("$binary" bench daemon --series 10000 --hidden "$hidden" --batch 100 --samples "$samples" \
            --training alternate --rounds 2 --latency-seconds 1 2>/dev/null)
        rate=$(echo "$out" | sed -n 's/^ *throughput: \([0-9]*\) samples\/s learning off.*/\1/p')
        learning_rate=$(echo "$out" | sed -n 's/^ *throughput: .* learning off, \([0-9]*\) on.*/\1/p')
        memory=$(echo "$out" | sed -n 's/^ *memory: \([0-9]*\) resident bytes per series.*/\1/p')
        [ -n "$rate" ] && [ -n "$learning_rate" ] && [ -n "$memory" ] || {
            echo "bench_daemon: no figures in:" >&2
            echo "$out" >&2
            exit 1
        }
        share=$(echo "$out" | sed -n 's/^streamlstmd bench daemon: .*, \([0-9]*%\) of series on weights of their own/\1/p')
        echo "   run $run: $share of series learned; $rate samples/s learning off, $learning_rate on;" \
            "$memory resident bytes per series"
        rates="$rates $rate"
        learning_rates="$learning_rates $learning_rate"
        memories="$memories $memory"
    done
    our_rate=$(echo "$rates" | median)
    our_learning_rate=$(echo "$learning_rates" | median)
    our_memory=$(echo "$memories" | median)
    echo "   streamlstmd median: $our_rate samples/s learning off, $our_learning_rate on" \
        "(x$(python3 -c "import sys; print(f'{int(sys.argv[2]) / int(sys.argv[1]):.2f}')" "$our_rate" "$our_learning_rate"))," \
        "$our_memory bytes per series"
    [ "$hidden" = 32 ] && our_rate_32=$our_rate

    if [ -n "$c_reference" ]; then
        echo "== H = $hidden: C reference ($(basename "$c_reference")), two processes of 5,000 series, $runs runs"
        c_rates=""
        c_memories=""
        for run in $(seq "$runs"); do
            read -r c_rate c_memory < <(c_run "$hidden")
            echo "   run $run: $c_rate samples/s, $c_memory bytes in a series' block"
            c_rates="$c_rates $c_rate"
            c_memories="$c_memories $c_memory"
        done
        c_rate=$(echo "$c_rates" | median)
        c_memory=$(echo "$c_memories" | median)
        echo "   C reference median: $c_rate samples/s, $c_memory bytes in a series' block"
        python3 -c "import sys; o, c, om, cm = map(float, sys.argv[1:5]); print(f'== H = {sys.argv[5]}: ratio streamlstmd / C reference: throughput x{o / c:.2f}, memory per series x{om / cm:.2f}')" \
            "$our_rate" "$c_rate" "$our_memory" "$c_memory" "$hidden"
    else
        echo "== C reference skipped: $bench_dir/c could not be built here (gcc and libzmq3-dev)"
    fi
done

if [ -z "${our_rate_32:-}" ] || ! "$peer_python" -c 'import torch, zmq' 2>/dev/null; then
    echo "== Python peer skipped: no H = 32 run, or $peer_python lacks torch or pyzmq (see $bench_dir/README.md)"
    exit 0
fi
echo "== Python/PyTorch peer ($bench_dir/peer_daemon.py), H = 32"
report=$work/peer.json
"$peer_python" "$bench_dir/peer_daemon.py" -H 32 -K 0 --hold --max-seconds 6 --report "$report" >/dev/null 2>&1 &
peer=$!
"$peer_python" "$bench_dir/load_gen.py" -S 10000 -B 100 -N 200000 --hold >/dev/null
wait "$peer"
peer_rate=$("$peer_python" -c "import json,sys; print(int(json.load(open(sys.argv[1]))['samples_per_s']))" "$report")
peer_memory=$("$peer_python" -c "import json,sys; r=json.load(open(sys.argv[1])); print(int((r['rss_mark']-r['rss_start'])/r['series']))" "$report")
echo "   throughput: $peer_rate samples/s; resident growth $peer_memory bytes per series"
[ "${peer_rate:-0}" -gt 0 ] || { echo "bench_daemon: the peer reported no throughput" >&2; exit 1; }
echo "== ratio streamlstmd (H = 32) / Python peer: x$(( our_rate_32 / peer_rate ))"
