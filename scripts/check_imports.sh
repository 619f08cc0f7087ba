#!/usr/bin/env bash
# The walls between the modules, checked: each module may import only what this table allows
# (SwiftPM's own --explicit-target-dependency-import-check lets a module import its dependencies'
# dependencies, so it would not stop, say, the daemon library importing libzmq directly).
# `make lint` runs it; a forbidden import fails `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
system="Foundation FoundationNetworking Dispatch Synchronization Glibc"
declare -A allowed=(
    [StreamLSTM]="CPrefetch RealModule"
    [ZeroMQ]="CZMQ $system"
    [StreamLSTMVocabulary]="StreamLSTM $system"
    [StreamLSTMDaemon]="StreamLSTMVocabulary StreamLSTM ZeroMQ CPrefetch CBuildInfo Logging Metrics Prometheus ServiceLifecycle UnixSignals Yams $system"
    [StreamLSTMTools]="StreamLSTMDaemon StreamLSTMVocabulary StreamLSTM ZeroMQ RealModule Logging Metrics ServiceLifecycle $system"
    [Daemon]="StreamLSTMTools StreamLSTMDaemon StreamLSTMVocabulary StreamLSTM ZeroMQ ArgumentParser Logging $system"
    [StreamLSTMTesting]="StreamLSTMDaemon StreamLSTMVocabulary StreamLSTM ZeroMQ Logging $system"
    [StreamLSTMTests]="StreamLSTM RealModule Testing"
    [DaemonTests]="StreamLSTMTesting StreamLSTMTools StreamLSTMDaemon StreamLSTMVocabulary StreamLSTM ZeroMQ RealModule Logging Metrics MetricsTestKit Testing $system"
)
import_pattern='^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]+((typealias|struct|class|enum|protocol|let|var|func)[[:space:]]+)?([A-Za-z0-9_]+)'
status=0
for dir in Sources/* Tests/*; do
    module=$(basename "$dir")
    if compgen -G "$dir/**.swift" > /dev/null || [ -n "$(find "$dir" -name '*.swift' -print -quit)" ]; then
        [ -n "${allowed[$module]+set}" ] || { echo "check_imports: module $module is not in the table" >&2; status=1; }
    fi
done
for module in "${!allowed[@]}"; do
    dir=Sources/$module
    [ -d "$dir" ] || dir=Tests/$module
    [ -d "$dir" ] || { echo "check_imports: no folder for module $module" >&2; status=1; continue; }
    # Any import: with attributes (@testable, @preconcurrency, ...), an access level, indented
    # inside #if, of one declaration (import struct M.T), of a submodule (M.Sub: M is checked).
    while IFS=: read -r file line text; do
        if grep -q '@_exported' <<< "$text"; then
            echo "$file:$line: re-exports make the walls invisible: import what you use where you use it" >&2
            status=1
        fi
        imported=$(sed -E "s/$import_pattern.*/\\6/" <<< "$text")
        if ! grep -qw -- "$imported" <<< "${allowed[$module]}"; then
            echo "$file:$line: $module may not import $imported (scripts/check_imports.sh lists what it may)" >&2
            status=1
        fi
    done < <(grep -rnE --include='*.swift' "$import_pattern" "$dir")
done
exit $status
