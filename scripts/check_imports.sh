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
    [StreamLSTMDaemon]="StreamLSTM ZeroMQ CPrefetch CBuildInfo Logging Metrics Prometheus ServiceLifecycle UnixSignals Yams $system"
    [StreamLSTMTools]="StreamLSTMDaemon StreamLSTM ZeroMQ RealModule Logging Metrics ServiceLifecycle $system"
    [Daemon]="StreamLSTMTools StreamLSTMDaemon StreamLSTM ZeroMQ ArgumentParser Logging $system"
    [StreamLSTMTesting]="StreamLSTMDaemon StreamLSTM ZeroMQ Logging $system"
    [StreamLSTMTests]="StreamLSTM RealModule Testing"
    [DaemonTests]="StreamLSTMTesting StreamLSTMTools StreamLSTMDaemon StreamLSTM ZeroMQ RealModule Logging Metrics MetricsTestKit Testing $system"
)
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
    while IFS=: read -r file line text; do
        imported=$(sed -E 's/^(@testable )?import ((class|struct|enum|func|protocol|typealias) )?([A-Za-z0-9_]+).*/\4/' <<< "$text")
        if ! grep -qw -- "$imported" <<< "${allowed[$module]}"; then
            echo "$file:$line: $module may not import $imported (scripts/check_imports.sh lists what it may)" >&2
            status=1
        fi
    done < <(grep -rnE --include='*.swift' '^(@testable )?import ' "$dir")
done
exit $status
