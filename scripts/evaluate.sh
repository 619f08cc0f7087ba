#!/usr/bin/env bash
# Replays every labelled corpus under ../shared with the default settings and
# prints one table: per corpus and category, NAB's three profiles at the
# optimised and at the default threshold, windows found, false positives,
# event-level precision/recall/F1, and how long each replay took; then the
# same corpora at the daemon's own alerts (the first row of each alert episode
# is a page): NAB's three profiles, alert onsets and false ones (outside every
# window, after NAB's probation), windows found by their order in the file and
# by where they start, and windows that start inside an alert already open;
# then the second half of every file, replayed without and with a simulated
# user who gave verdicts over the first half (`replay --simulated-user`).
# Absent alerts are off (`replay --absent off`): the labels score values, not
# gaps, and NAB's larger gaps (up to 21 hours in realAdExchange) are absences.
#
#   scripts/evaluate.sh [--config FILE] [--keep DIR] [CORPUS ...]
#
# A corpus is a folder with data/ and labels/*windows.json (NAB's layout).
# Without CORPUS arguments: ../shared/nab and every ../shared/corpora/* (the
# labelled corpora kept beside this checkout). Nothing is tuned per corpus.
# A synthetic service-telemetry corpus (scripts/synthetic_telemetry.py, hourly
# series with repeated incidents) is generated and scored beside them: it
# checks mechanisms, and no setting is chosen on it.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${STREAMLSTMD:-.build/release/streamlstmd}
shared=../shared
config_args=()
keep=""
corpora=()
usage="usage: scripts/evaluate.sh [--config FILE] [--keep DIR] [CORPUS ...]"
while [ $# -gt 0 ]; do
    case "$1" in
        --config) config_args=(--config "$2"); shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        -*) echo "$usage" >&2; exit 2 ;;
        *)
            [ -d "$1/data" ] && ls "$1"/labels/*windows.json > /dev/null 2>&1 \
                || { echo "evaluate: $1 is not a corpus (it needs data/ and labels/*windows.json)" >&2; exit 2; }
            corpora+=("${1%/}"); shift ;;
    esac
done
[ -x "$binary" ] || { echo "evaluate: build first (make release)" >&2; exit 2; }
if [ ${#corpora[@]} -eq 0 ]; then
    [ -d "$shared/nab/data" ] && corpora+=("$shared/nab")
    for dir in "$shared"/corpora/*/; do [ -d "$dir/data" ] && corpora+=("${dir%/}"); done
    [ ${#corpora[@]} -gt 0 ] || { echo "evaluate: no labelled corpora under $shared; name one: $usage" >&2; exit 2; }
fi

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
if python3 -c 'import numpy' 2>/dev/null; then
    rm -rf "$work/corpus/synthetic-telemetry"
    scripts/synthetic_telemetry.py "$work/corpus/synthetic-telemetry" > /dev/null
    corpora+=("$work/corpus/synthetic-telemetry")
else
    echo "evaluate: python3 with numpy is missing (make setup): the synthetic telemetry corpus is left out" >&2
fi
table="$work/table.tsv"
echo "corpus	category	profile	files	windows	optimised	threshold	default	found	FP	precision	recall	F1" > "$table"
alerts="$work/alerts.tsv"
echo "corpus	category	files	windows	standard	low_FP	low_FN	found	onsets	false_onsets	first	2nd-5th	later	early	late	in_open_alert" > "$alerts"
feedback="$work/feedback.tsv"
echo "corpus	category	user	files	windows	standard	low_FP	low_FN	found	onsets	false_onsets	first	2nd-5th	later	early	late	in_open_alert" > "$feedback"
summaries=""
for corpus in "${corpora[@]}"; do
    name=$(basename "$corpus")
    labels=$(ls "$corpus"/labels/*windows.json | head -n 1)
    "$binary" replay "$corpus/data" --output "$work/$name" --quiet --absent off "${config_args[@]}" > "$work/$name.log" 2>&1 \
        || { echo "evaluate: replay of $name failed:" >&2; tail -n 5 "$work/$name.log" >&2; exit 1; }
    summaries+="$name: $(tail -n 1 "$work/$name.log")"$'\n'
    "$binary" evaluate --data "$corpus/data" --labels "$labels" --results "$work/$name" --rows "$name" >> "$table"
    "$binary" evaluate --data "$corpus/data" --labels "$labels" --results "$work/$name" --alert-rows "$name" >> "$alerts"
    "$binary" replay "$corpus/data" --output "$work/$name-user" --simulated-user "$labels" --quiet --absent off \
        "${config_args[@]}" \
        > "$work/$name-user.log" 2>&1 \
        || { echo "evaluate: replay of $name with a simulated user failed:" >&2; tail -n 5 "$work/$name-user.log" >&2; exit 1; }
    summaries+="$name, simulated user: $(tail -n 1 "$work/$name-user.log")"$'\n'
    for run in "$name" "$name-user"; do
        user=$([ "$run" = "$name" ] && echo none || echo simulated)
        "$binary" evaluate --data "$corpus/data" --labels "$labels" --results "$work/$run" --second-half \
            --alert-rows "$name" | awk -v user="$user" 'BEGIN { FS = OFS = "\t" } { $2 = $2 OFS user; print }' >> "$feedback"
    done
done
echo "NAB scores at the optimised and at the default threshold (found, FP and event-level figures at the default)"
echo
if command -v column >/dev/null; then column -t -s $'\t' "$table"; else cat "$table"; fi
echo
echo "At the daemon's own alerts: NAB scores with each alert episode's first row as the detection; onsets after the"
echo "probation, false ones outside every window; windows found by order in the file and by start (before row 300 or later)"
echo
if command -v column >/dev/null; then column -t -s $'\t' "$alerts"; else cat "$alerts"; fi
echo
echo "The second half of every file at the daemon's own alerts (no probation, windows cut at the middle), without"
echo "and with a simulated user who gave verdicts over the first half (the summaries below count them)"
echo
if command -v column >/dev/null; then column -t -s $'\t' "$feedback"; else cat "$feedback"; fi
echo
printf "%s" "$summaries"
