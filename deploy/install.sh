#!/usr/bin/env bash
# Builds a release binary and installs it with the systemd units and the
# example configuration (kept if one is already there).
#
#   deploy/install.sh                          # /usr/local/bin, /etc/systemd/system, /etc/streamlstmd
#   DESTDIR=/tmp/pkg deploy/install.sh         # staged for a package; systemd is not touched
#   PREFIX=/opt/streamlstmd UNITDIR=... CONFDIR=... deploy/install.sh
#   BINARY=path/to/streamlstmd deploy/install.sh   # install that binary instead of building one
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
UNITDIR=${UNITDIR:-/etc/systemd/system}
CONFDIR=${CONFDIR:-/etc/streamlstmd}
DESTDIR=${DESTDIR:-}
cd "$(dirname "$0")/.."

if [ -z "${BINARY:-}" ]; then
    swift build -c release --product streamlstmd
    BINARY=.build/release/streamlstmd
fi

install -D -m 0755 "$BINARY" "$DESTDIR$PREFIX/bin/streamlstmd"
for unit in streamlstmd.service streamlstmd@.service; do
    # The units name the binary and the configuration where this install put them.
    sed -e "s#/usr/local/bin/streamlstmd#$PREFIX/bin/streamlstmd#g" -e "s#/etc/streamlstmd/#$CONFDIR/#g" \
        "deploy/$unit" > "deploy/.$unit.tmp"
    install -D -m 0644 "deploy/.$unit.tmp" "$DESTDIR$UNITDIR/$unit"
    rm -f "deploy/.$unit.tmp"
done
if [ -e "$DESTDIR$CONFDIR/streamlstmd.yaml" ]; then
    install -D -m 0644 deploy/streamlstmd.yaml "$DESTDIR$CONFDIR/streamlstmd.yaml.new"
    echo "kept $DESTDIR$CONFDIR/streamlstmd.yaml; the example is streamlstmd.yaml.new"
else
    install -D -m 0644 deploy/streamlstmd.yaml "$DESTDIR$CONFDIR/streamlstmd.yaml"
fi

echo "installed $DESTDIR$PREFIX/bin/streamlstmd, units in $DESTDIR$UNITDIR, configuration in $DESTDIR$CONFDIR"
if [ -z "$DESTDIR" ] && [ "$UNITDIR" = /etc/systemd/system ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "next: systemctl enable --now streamlstmd"
fi
