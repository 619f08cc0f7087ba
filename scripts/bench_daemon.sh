#!/usr/bin/env bash
# End-to-end throughput of streamlstmd against the Python/PyTorch peer daemon
# in ../shared/bench, on the same load (10,000 series, H = 32, no training,
# 100 lines per message), in one run, and the ratio of the two.
#
# The peer needs torch and pyzmq: PEER_PYTHON names a python that has them
# (default /tmp/peer/bin/python, made as ../shared/bench/README.md says).
set -euo pipefail
cd "$(dirname "$0")/.."
bench_dir=${BENCH_DIR:-../shared/bench}
peer_python=${PEER_PYTHON:-/tmp/peer/bin/python}
binary=${STREAMLSTMD:-.build/release/streamlstmd}

echo "== streamlstmd"
ours=$("$binary" bench daemon --series 10000 --hidden 32 --batch 100 --samples 1000000 --latency-seconds 5 2>/dev/null)
echo "$ours"
our_rate=$(echo "$ours" | sed -n 's/^ *throughput: \([0-9]*\) samples\/s.*/\1/p')
[ -n "$our_rate" ] || { echo "bench_daemon: no throughput line in the output above" >&2; exit 1; }

if ! "$peer_python" -c 'import torch, zmq' 2>/dev/null; then
    echo "== Python peer skipped: $peer_python lacks torch or pyzmq (see $bench_dir/README.md)"
    exit 0
fi
echo "== Python/PyTorch peer ($bench_dir/peer_daemon.py)"
report=$(mktemp)
"$peer_python" "$bench_dir/peer_daemon.py" -H 32 -K 0 --hold --max-seconds 6 --report "$report" >/dev/null 2>&1 &
peer=$!
"$peer_python" "$bench_dir/load_gen.py" -S 10000 -B 100 -N 200000 --hold >/dev/null
wait "$peer"
peer_rate=$("$peer_python" -c "import json,sys; print(int(json.load(open(sys.argv[1]))['samples_per_s']))" "$report")
peer_memory=$("$peer_python" -c "import json,sys; r=json.load(open(sys.argv[1])); print(int((r['rss_mark']-r['rss_start'])/r['series']))" "$report")
rm -f "$report"
echo "throughput: $peer_rate samples/s; resident growth $peer_memory bytes per series"
[ "${peer_rate:-0}" -gt 0 ] || { echo "bench_daemon: the peer reported no throughput" >&2; exit 1; }
echo "== ratio: streamlstmd / peer = $(( our_rate / peer_rate ))x"
