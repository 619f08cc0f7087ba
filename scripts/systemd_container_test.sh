#!/usr/bin/env bash
# Installs the streamlstmd .deb into a minimal Debian 12 booted with systemd
# as PID 1 (systemd-nspawn) and drives it the way an administrator would:
# install, READY, an alert, reload, restart with state, the watchdog, stop,
# purge. The units' sandboxing is exercised by the real systemd, which is the
# point: `systemd-analyze verify` and a fake notify socket cannot show that
# the daemon works inside it.
#
#   sudo scripts/systemd_container_test.sh path/to/streamlstmd_<v>_<arch>.deb
#
# Needs root, systemd-nspawn (systemd-container), mmdebstrap and the host's
# apt mirror. The root is cached in $CACHE keyed by its package list; every
# run boots it with --volatile=overlay, so nothing a run does survives it.
#
# EXTRA_PACKAGES="a b"   more packages in the root (part of the cache key)
#
# Trial hooks (not for CI):
#   TRIAL_SWIFT_LIBS=dir   copy the Swift runtime .so files of a dynamically
#                          linked binary into the container at the same path
#   TRIAL_DROPIN=file      install file as a drop-in of streamlstmd.service
#                          before the package (to try a unit change)
#
# Status of the steps (by hand, 2026-12-07, dynamic binary, Debian 12 host):
#   boot, install, READY, manual, completion, alert, reload, restart keeps
#   state, watchdog, stop, two template instances, security, clean journal,
#   purge: all run by `make test-package`.
set -euo pipefail

DEB=$(readlink -f "${1:?usage: $0 PACKAGE.deb}")
CACHE=${CACHE:-/var/cache/streamlstmd-test}
SUITE=bookworm
HERE=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "container test: needs root (systemd-nspawn)" >&2; exit 1; }
for tool in systemd-nspawn mmdebstrap nsenter dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "container test: $tool missing (apt-get install systemd-container mmdebstrap)" >&2; exit 1; }
done

# --- the root ----------------------------------------------------------------
# The mirror the machine itself uses, so the test needs no other address: the
# first deb.debian.org-style URI of a "debian" (not -security) entry.
mirror=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -o -E 'https?://[^ ]+' | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

# What the container needs: systemd as init, the package's own dependencies
# (dpkg -i installs nothing), python3-zmq for the producer and subscriber,
# man-db and bash-completion to show the manual and Tab working.
base="systemd systemd-sysv dbus procps python3-zmq man-db bash-completion ${EXTRA_PACKAGES:-}"
# Depends of the package, names only (alternatives: the first).
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/ //g' | grep -v '^$' | sort -u | tr '\n' ' ')
packages=$(echo "$base $deps" | tr ' ' '\n' | grep -v '^$' | sort -u | tr '\n' ',' | sed 's/,$//')
key=$(echo "$SUITE $mirror $packages" | sha256sum | cut -c1-16)
root=$CACHE/root-$key
if [ ! -d "$root" ]; then
    echo "container test: building the $SUITE root ($packages)"
    mkdir -p "$CACHE"
    # Built beside its final name and renamed, so an interrupted build never
    # leaves a half root that a later run would take for a cached one.
    rm -rf "$root.tmp"
    start=$(date +%s)
    mmdebstrap --quiet --variant=minbase --include="$packages" "$SUITE" "$root.tmp" "$mirror"
    mv "$root.tmp" "$root"
    echo "container test: root built in $(($(date +%s) - start)) s, $(du -sh "$root" | cut -f1)"
fi

# --- boot --------------------------------------------------------------------
log=$(mktemp -d)
nspawn_pid=
leader=
teardown() {
    # RTMIN+4 asks systemd for a clean poweroff; nspawn exits when it is done.
    if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
        kill -s RTMIN+4 "$leader" 2>/dev/null || true
    fi
    if [ -n "$nspawn_pid" ]; then
        for _ in $(seq 1 100); do
            kill -0 "$nspawn_pid" 2>/dev/null || break
            sleep 0.1
        done
        # Still there after 10 s: stop nspawn itself (it kills the container).
        kill "$nspawn_pid" 2>/dev/null || true
    fi
    rm -rf "$log"
}
trap teardown EXIT

# --keep-unit --register=no: the host has no systemd and no system bus for
# nspawn to register the machine with (without them nspawn stops at once).
# --console=pipe: no tty here. --volatile=overlay: writes go to a tmpfs.
# --private-network: the container has a loopback of its own, so the daemon's
# default ports (5555, 5556) inside it cannot meet anything of the host's.
setsid systemd-nspawn -D "$root" -b --keep-unit --register=no --console=pipe --volatile=overlay --private-network \
    >"$log/console" 2>&1 </dev/null &
nspawn_pid=$!
# The container's PID 1 is nspawn's child named systemd (nspawn forks an
# intermediate process first, which exits).
for _ in $(seq 1 200); do
    leader=$(pgrep -P "$nspawn_pid" -x systemd || true)
    [ -n "$leader" ] && break
    sleep 0.05
done
[ -n "$leader" ] || { cat "$log/console" >&2; echo "container test: systemd did not start" >&2; exit 1; }

# Runs a command inside the container, in all its namespaces.
cx() { nsenter -t "$leader" -a "$@"; }
# Files go in through the container's root as PID 1 sees it (its /tmp is its own).
croot=/proc/$leader/root

# systemctl can talk to PID 1 once its private socket exists.
for _ in $(seq 1 200); do
    [ -S "$croot/run/systemd/private" ] && break
    sleep 0.05
done
state=$(cx systemctl is-system-running --wait || true)
echo "container test: booted ($state)"
if [ "$state" != running ]; then
    cx systemctl --failed --no-pager >&2 || true
fi

fail() {
    echo "container test: FAIL: $*" >&2
    cx systemctl status streamlstmd --no-pager -l >&2 || true
    cx journalctl -u streamlstmd --no-pager -o short-monotonic >&2 || true
    exit 1
}
unit_prop() { cx systemctl show -p "$1" --value streamlstmd; }

# --- install -----------------------------------------------------------------
if [ -n "${TRIAL_SWIFT_LIBS:-}" ]; then
    mkdir -p "$croot$TRIAL_SWIFT_LIBS"
    cp "$TRIAL_SWIFT_LIBS"/*.so "$croot$TRIAL_SWIFT_LIBS/"
fi
if [ -n "${TRIAL_DROPIN:-}" ]; then
    mkdir -p "$croot/etc/systemd/system/streamlstmd.service.d"
    cp "$TRIAL_DROPIN" "$croot/etc/systemd/system/streamlstmd.service.d/trial.conf"
fi
cp "$DEB" "$croot/root/streamlstmd.deb"
cx dpkg -i /root/streamlstmd.deb || fail "dpkg -i"

# postinst enabled and started it; Type=notify makes "active" mean READY=1 was
# sent (before it the unit is "activating").
[ "$(cx systemctl is-enabled streamlstmd)" = enabled ] || fail "not enabled after install"
for _ in $(seq 1 100); do
    [ "$(unit_prop ActiveState)" = active ] && break
    sleep 0.1
done
[ "$(unit_prop ActiveState)" = active ] || fail "not active after install"
echo "container test: installed, enabled, active ($(unit_prop StatusText))"

# Manual and completion as a user would meet them.
cx man -w streamlstmd >/dev/null || fail "no manual page for streamlstmd"
cx man -w streamlstmd.run >/dev/null || fail "no manual page for streamlstmd.run"
cx bash -c 'MANWIDTH=80 man streamlstmd 2>/dev/null' | grep -q '^SIGNALS' || fail "the manual has no SIGNALS section"
# The units as installed, with the manual their Documentation= names now there.
cx systemd-analyze verify /usr/lib/systemd/system/streamlstmd.service || fail "systemd-analyze verify"
cx bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader streamlstmd; complete -p streamlstmd' >/dev/null \
    || fail "bash completion not loaded"

# --- an alert ----------------------------------------------------------------
# A producer inside the container sends one series with a spike; a subscriber
# must get the alert for it.
cat >"$croot/root/spike.py" <<'EOF'
import math, sys, time, zmq
ctx = zmq.Context()
# XPUB, not PUB: it hands us the daemon's subscription, so nothing is sent
# before the daemon listens (a PUB would drop it) and no sleep has to guess.
pub = ctx.socket(zmq.XPUB); pub.connect("tcp://127.0.0.1:5555")
sub = ctx.socket(zmq.SUB); sub.connect("tcp://127.0.0.1:5556"); sub.setsockopt(zmq.SUBSCRIBE, b"")
if not pub.poll(10_000):
    sys.exit("the daemon's input never subscribed")
pub.recv()
series = sys.argv[1]
poller = zmq.Poller(); poller.register(sub, zmq.POLLIN)
# Our subscription to the alerts may still be on its way: the series goes on
# with a spike every 300 samples until an alert for it arrives, or 30 s pass.
t0 = int(time.time()) - 100_000
deadline = time.time() + 30
for batch in range(1000):
    lines = [f"{series} {10 + math.sin(i / 10) + (50 if i % 300 == 299 else 0):.4f} {t0 + i}"
             for i in range(100 * batch, 100 * batch + 100)]
    pub.send_string("\n".join(lines))
    while poller.poll(0 if time.time() < deadline else 1):
        topic, body = sub.recv_multipart()[:2]
        if series.encode() in body:
            print(topic.decode(), body.decode()[:200]); sys.exit(0)
    if time.time() > deadline:
        break
    poller.poll(20)  # a batch every 20 ms at most: the daemon keeps up, nothing is dropped
sys.exit("no alert for the spikes")
EOF
cx python3 /root/spike.py test.spike || fail "no alert for a spike"

# --- reload ------------------------------------------------------------------
# A changed threshold must be applied by SIGHUP (ExecReload), and logged.
sed -i 's/^  fire_threshold: 0.5 /  fire_threshold: 0.6 /' "$croot/etc/streamlstmd/streamlstmd.yaml"
grep -q '^  fire_threshold: 0.6 ' "$croot/etc/streamlstmd/streamlstmd.yaml" || fail "the example configuration has no fire_threshold: 0.5 line to change"
cx systemctl reload streamlstmd || fail "reload"
# ExecReload only sends SIGHUP: the line comes when the daemon has re-read the file.
deadline=$(($(date +%s) + 10))
until cx journalctl -u streamlstmd -o cat --no-pager | grep 'configuration reloaded' | grep -q 'applied=alerts.fire_threshold'; do
    [ "$(date +%s)" -le "$deadline" ] || fail "the reload did not log alerts.fire_threshold as applied within 10 s"
    sleep 0.1  # the interval of a poll with a deadline
done

# --- restart keeps the learned state -----------------------------------------
cx systemctl restart streamlstmd || fail "restart"
cx journalctl -u streamlstmd -o cat --no-pager | grep -E 'restored' | tail -n 1 | grep -q 'series=1' \
    || fail "restart did not restore the series"
cx test -s /var/lib/private/streamlstmd/series.ckpt || fail "no checkpoint under /var/lib/private/streamlstmd"

# --- the watchdog ------------------------------------------------------------
# A frozen daemon sends no WATCHDOG=1: systemd must kill and restart it
# within WatchdogSec (30 s) plus RestartSec (2 s).
pid=$(unit_prop MainPID)
cx kill -STOP "$pid"
start=$(date +%s)
while :; do
    new=$(unit_prop MainPID)
    if [ "$new" != "$pid" ] && [ "$new" != 0 ] && [ "$(unit_prop ActiveState)" = active ]; then break; fi
    [ $(($(date +%s) - start)) -le 40 ] || fail "watchdog did not restart a frozen daemon in 40 s"
    sleep 1
done
echo "container test: watchdog restarted the frozen daemon after $(($(date +%s) - start)) s"

# --- stop writes the last checkpoint ------------------------------------------
before=$(cx journalctl -u streamlstmd -o cat --no-pager | grep -c 'checkpoint written' || true)
cx systemctl stop streamlstmd || fail "stop"
after=$(cx journalctl -u streamlstmd -o cat --no-pager | grep -c 'checkpoint written' || true)
[ "$after" -gt "$before" ] || fail "stop wrote no checkpoint"
cx systemctl start streamlstmd

# --- two instances of the template --------------------------------------------
# SHARDS=2: instance I reads shard-I.yaml and keeps shard I/2 of the series (by
# fingerprint). Both connect to one producer that binds; each publishes alerts
# and serves HTTP on ports of its own. Every spiked series must alert on
# exactly one instance, and both instances must have a share.
printf 'SHARDS=2\n' >"$croot/etc/streamlstmd/shards.env"
for i in 0 1; do
    cat >"$croot/etc/streamlstmd/shard-$i.yaml" <<EOF
inputs:
  - connect: ["tcp://127.0.0.1:6000"]
alerts_endpoint: "tcp://127.0.0.1:610$i"
http: "127.0.0.1:620$i"
instance: "shard-$i"
EOF
done
cx systemctl start streamlstmd@0 streamlstmd@1 || {
    cx journalctl -u 'streamlstmd@*' --no-pager -o cat >&2 || true
    fail "template instances did not start"
}
cat >"$croot/root/shards.py" <<'EOF'
import json, math, sys, time, zmq
ctx = zmq.Context()
pub = ctx.socket(zmq.XPUB); pub.bind("tcp://127.0.0.1:6000")
pub.setsockopt(zmq.XPUB_VERBOSE, 1)  # both instances subscribe to "": hand us both, not the first only
subs = []
for i in range(2):
    sub = ctx.socket(zmq.SUB); sub.connect(f"tcp://127.0.0.1:610{i}"); sub.setsockopt(zmq.SUBSCRIBE, b"alert.firing")
    subs.append(sub)
# Both instances' input subscriptions, before anything is sent.
for _ in range(2):
    if not pub.poll(10_000):
        sys.exit("an instance never subscribed")
    pub.recv()
names = [f"shards.s{k}" for k in range(12)]
seen = {}  # series -> the instances that alerted on it
poller = zmq.Poller()
for sub in subs:
    poller.register(sub, zmq.POLLIN)
t0 = int(time.time()) - 100_000
deadline = time.time() + 60
batch = 0
# The series go on, with a spike every 300 samples, until each has alerted (our
# alert subscriptions may still be on their way for the first spikes).
while len(seen) < len(names) and time.time() < deadline:
    lines = [f"{n} {10 + math.sin(i / 10) + (50 if i % 300 == 299 else 0):.4f} {t0 + i}"
             for i in range(100 * batch, 100 * batch + 100) for n in names]
    pub.send_string("\n".join(lines))
    batch += 1
    for sub, _ in poller.poll(20):
        alert = json.loads(sub.recv_multipart()[1])
        seen.setdefault(alert["labels"]["series"], set()).add(alert["labels"]["instance"])
shares = {}
for series, instances in seen.items():
    if len(instances) != 1:
        sys.exit(f"{series} alerted on {sorted(instances)}")
    shares.setdefault(next(iter(instances)), []).append(series)
if len(seen) < len(names):
    sys.exit(f"no alert for {sorted(set(names) - set(seen))}")
if len(shares) != 2:
    sys.exit(f"one instance took every series: {shares}")
print("container test: shares", {k: len(v) for k, v in sorted(shares.items())})
EOF
cx python3 /root/shards.py || fail "template instances did not share the series"
cx systemctl stop streamlstmd@0 streamlstmd@1
# The shard files are the admin's, which purge leaves (it removes /etc/streamlstmd only when empty).
rm -f "$croot/etc/streamlstmd/shards.env" "$croot"/etc/streamlstmd/shard-*.yaml

# --- the exposure --------------------------------------------------------------
cx systemd-analyze security streamlstmd --no-pager | tail -n 1

# --- a clean journal ------------------------------------------------------------
# Priority err and worse from the daemon (the watchdog kill above is logged
# by systemd at warning/notice, not by the daemon).
errors=$(cx journalctl -u streamlstmd -p err -o cat --no-pager _COMM=streamlstmd || true)
[ -z "$errors" ] || { echo "$errors" >&2; fail "error lines in the journal"; }

# --- purge ---------------------------------------------------------------------
if [ -n "${TRIAL_DROPIN:-}" ]; then
    rm -rf "$croot/etc/systemd/system/streamlstmd.service.d"
    cx systemctl daemon-reload
fi
cx dpkg --purge streamlstmd || fail "dpkg --purge"
cx systemctl is-active --quiet streamlstmd && fail "still running after purge"
for path in /usr/bin/streamlstmd /etc/streamlstmd /var/lib/private/streamlstmd /var/lib/streamlstmd \
    /var/lib/private/streamlstmd-shard-0 /var/lib/streamlstmd-shard-1 \
    /usr/lib/systemd/system/streamlstmd.service /etc/systemd/system/multi-user.target.wants/streamlstmd.service; do
    if cx test -e "$path" || cx test -L "$path"; then fail "$path left after purge"; fi
done
echo "container test: PASS"
