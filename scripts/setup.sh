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
# The Debian package (make deb): the Swift runtime linked statically needs libcurl's headers and
# static link line; Debian's tools build and check the .deb; patchelf drops the toolchain's RUNPATH.
[ -e /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -e /usr/include/curl/curl.h ] || need_apt+=(libcurl4-openssl-dev)
command -v dpkg-shlibdeps >/dev/null || need_apt+=(dpkg-dev)
command -v readelf >/dev/null || need_apt+=(binutils)
command -v patchelf >/dev/null || need_apt+=(patchelf)
command -v lintian >/dev/null || need_apt+=(lintian)
# The package's test boots a Debian 12 with systemd in a container (make test-package).
command -v mmdebstrap >/dev/null || need_apt+=(mmdebstrap)
command -v systemd-nspawn >/dev/null || need_apt+=(systemd-container)
# Debian's own python3 refuses pip installs into it (PEP 668: EXTERNALLY-MANAGED): its packages come
# from apt, as Debian's python3-zmq and python3-numpy.
debian_python=false
if python3 -c 'import sysconfig, os, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)' 2>/dev/null; then
    debian_python=true
    python3 -c 'import zmq' 2>/dev/null || need_apt+=(python3-zmq)
    python3 -c 'import numpy' 2>/dev/null || need_apt+=(python3-numpy)
fi
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
if ! $debian_python && ! python3 -c 'import zmq, numpy' 2>/dev/null; then
    echo "setup: installing pyzmq and numpy with pip"
    python3 -m pip install --quiet --disable-pip-version-check pyzmq numpy
fi
