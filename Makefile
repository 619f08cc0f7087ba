# The two commands of the README, and the ones behind them.

# The commit --version names (see Package.swift); empty outside a git checkout.
export STREAMLSTMD_COMMIT := $(shell git rev-parse HEAD 2>/dev/null)

.PHONY: setup demo test test-package format lint bench bench-portable bench-daemon evaluate golden release install deb

setup:
	@scripts/setup.sh

# The main job on built-in defaults: a synthetic stream through the detector.
demo: setup
	swift run -c release streamlstmd demo

# Every test: first a build that fails if a module imports a target it does not declare (lint
# runs scripts/check_imports.sh for the rest of the walls); unit, numerical, and the end-to-end
# ones over real sockets; then
# the concurrency tests again under ThreadSanitizer (a build of its own); then
# the Debian package installed and driven under a real systemd (test-package).
test: setup lint
	swift build --build-tests --explicit-target-dependency-import-check error
	swift test
	swift test --sanitize=thread --scratch-path .build-tsan --filter ConcurrencyTests
	$(MAKE) test-package

# The code is formatted by the toolchain's swift-format with the repository's .swift-format;
# `make test` fails on a file that is not (run `make format`).
format:
	swift format format --in-place --recursive --parallel Sources Tests Package.swift

lint:
	swift format lint --strict --recursive --parallel Sources Tests Package.swift
	scripts/check_imports.sh

release: setup
	swift build -c release

# Release binary, systemd units and example configuration to /usr/local and /etc
# (PREFIX, UNITDIR, CONFDIR and DESTDIR as in deploy/install.sh).
install: setup
	deploy/install.sh

# The Debian package: a release build with the Swift runtime linked in (--static-swift-stdlib: no
# toolchain on the target) for x86-64-v2 (LLVM's name: nehalem; SSE4.2 and POPCNT, which every x86-64
# CPU of the last decade has, Atom-class servers included, where v3's AVX2 would not start), manual
# pages generated from the command-line definitions plus the hand-written sections, completions;
# then dpkg-shlibdeps, dpkg-deb and lintian (scripts/build_deb.sh). Writes build/streamlstmd_<v>_<arch>.deb.
DEB_CPU ?= nehalem
# -z now: every symbol bound at start, so the GOT can be read-only (lintian: hardening-no-bindnow).
DEB_SWIFT_FLAGS = -c release --static-swift-stdlib --scratch-path .build-deb -Xlinker -z -Xlinker now
DEB_VERSION := $(shell dpkg-parsechangelog -l deploy/debian/changelog -S Version 2>/dev/null)
deb: setup
	STREAMLSTM_TARGET_CPU=$(DEB_CPU) swift build $(DEB_SWIFT_FLAGS) --product streamlstmd
	STREAMLSTM_TARGET_CPU=$(DEB_CPU) swift build $(DEB_SWIFT_FLAGS) --product generate-manual
	GENERATE_MANUAL=.build-deb/release/generate-manual MANUAL_SECTIONS=deploy/man/streamlstmd-operation.mdoc \
		scripts/build_deb.sh .build-deb/release/streamlstmd $(DEB_VERSION) build

# The package under a real systemd: a Debian 12 booted in a container (scripts/systemd_container_test.sh).
test-package: deb
	scripts/systemd_container_test.sh build/streamlstmd_$(DEB_VERSION)_amd64.deb

# Model speed and memory on this machine (release build, single thread): the default build,
# for this machine's CPU (see Package.swift), and the portable one (baseline x86-64, SSE2).
bench: release
	.build/release/streamlstmd bench model --seconds 3

bench-portable: setup
	STREAMLSTM_TARGET_CPU=x86-64 swift build -c release --scratch-path .build-portable
	.build-portable/release/streamlstmd bench model --seconds 3

# Detection quality: every labelled corpus under ../shared (or those named: make evaluate CORPORA="DIR ...")
# replayed with the defaults, one table.
evaluate: release
	scripts/evaluate.sh $(CORPORA)

# The running daemon end to end over loopback ZeroMQ, and the Python peer on the same load.
bench-daemon: release
	scripts/bench_daemon.sh

# Regenerates the golden values in Tests/StreamLSTMTests/GoldenValues.swift.
golden: setup
	python3 scripts/golden.py > Tests/StreamLSTMTests/GoldenValues.swift
