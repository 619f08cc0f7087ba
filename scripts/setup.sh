#!/usr/bin/env bash
# Installs what a fresh Debian machine with Swift lacks to build and test
# streamlstmd. Idempotent: it installs only what is missing.
set -euo pipefail

need_apt=()
pkg-config --exists libzmq 2>/dev/null || need_apt+=(libzmq3-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
# systemd-analyze checks the unit files in deploy/ (a test runs `systemd-analyze verify`).
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
# The Alertmanager tests start Debian's Alertmanager; libcurl is what the HTTP client links.
command -v prometheus-alertmanager >/dev/null || need_apt+=(prometheus-alertmanager)
ldconfig -p | grep -q 'libcurl\.so\.4' || need_apt+=(libcurl4)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    # No service is started by the install (policy-rc.d or not): the tests start their own.
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Python packages the tests use: pyzmq (a ZeroMQ client written by others) and
# numpy (the independent reference for golden values).
if ! python3 -c 'import zmq, numpy' 2>/dev/null; then
    echo "setup: installing pyzmq and numpy with pip"
    python3 -m pip install --quiet --disable-pip-version-check pyzmq numpy
fi
