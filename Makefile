# The two commands of the README, and the ones behind them.
.PHONY: setup demo test format lint bench bench-portable bench-daemon evaluate golden release install

setup:
	@scripts/setup.sh

# The main job on built-in defaults: a synthetic stream through the detector.
demo: setup
	swift run -c release streamlstmd demo

# Every test: unit, numerical, and the end-to-end ones over real sockets; then
# the concurrency tests again under ThreadSanitizer (a build of its own).
test: setup lint
	swift test
	swift test --sanitize=thread --scratch-path .build-tsan --filter ConcurrencyTests

# The code is formatted by the toolchain's swift-format with the repository's .swift-format;
# `make test` fails on a file that is not (run `make format`).
format:
	swift format format --in-place --recursive --parallel Sources Tests Package.swift

lint:
	swift format lint --strict --recursive --parallel Sources Tests Package.swift

release: setup
	swift build -c release

# Release binary, systemd units and example configuration to /usr/local and /etc
# (PREFIX, UNITDIR, CONFDIR and DESTDIR as in deploy/install.sh).
install: setup
	deploy/install.sh

# Model speed and memory on this machine (release build, single thread): the default build,
# for this machine's CPU (see Package.swift), and the portable one (baseline x86-64, SSE2).
bench: release
	.build/release/streamlstmd bench model --seconds 3

bench-portable: setup
	STREAMLSTM_TARGET_CPU=x86-64 swift build -c release --scratch-path .build-portable
	.build-portable/release/streamlstmd bench model --seconds 3

# Detection quality: every labelled corpus under ../shared replayed with the defaults, one table.
evaluate: release
	scripts/evaluate.sh

# The running daemon end to end over loopback ZeroMQ, and the Python peer on the same load.
bench-daemon: release
	scripts/bench_daemon.sh

# Regenerates the golden values in Tests/StreamLSTMTests/GoldenValues.swift.
golden: setup
	python3 scripts/golden.py > Tests/StreamLSTMTests/GoldenValues.swift
