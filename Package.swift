// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Builds use the vector width of the machine they are built on (`native`: AVX-512 or AVX2, FMA and
/// F16C on x86-64), so `make install` and the README's commands give a binary that is fast where it
/// was built. `STREAMLSTM_TARGET_CPU=x86-64` (the baseline: SSE2), `nehalem` (x86-64-v2), `haswell` (x86-64-v3) or
/// another CPU name LLVM knows builds for that CPU instead: a package built for many machines wants
/// the baseline, because a native binary does not start on an older CPU (it stops on an illegal
/// instruction). The checkpoint format does not depend on the build.
let targetCPU = ProcessInfo.processInfo.environment["STREAMLSTM_TARGET_CPU"] ?? "native"
let targetCPUFlags: [String] = ["-target-cpu", targetCPU]
let hostCPUFlags: Set<Substring> =
    (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
    .map { Set($0.split(whereSeparator: \.isWhitespace)) } ?? []
/// Instructions the kernels use only when the build is for this very machine (`native`) and its
/// CPU has them, so that they are never library calls: fused multiply-add, and the conversion of
/// eight 16-bit floats at once (otherwise a few integer instructions do it).
let cpuDefines: [SwiftSetting] =
    targetCPU == "native"
    ? [("fma", "STREAMLSTM_FMA"), ("f16c", "STREAMLSTM_F16C")]
        .filter { hostCPUFlags.contains(Substring($0.0)) }.map { .define($0.1) }
    : []

/// The commit `--version` names: `make` passes it (`git rev-parse`) in `STREAMLSTMD_COMMIT`. Read from
/// the environment, which SwiftPM's manifest cache keys on, so a new commit is never reported stale;
/// only hexadecimal digits pass, so nothing else can reach the C define.
let buildCommit = String(
    (ProcessInfo.processInfo.environment["STREAMLSTMD_COMMIT"] ?? "").filter(\.isHexDigit).prefix(40))

let package = Package(
    name: "streamlstmd",
    products: [
        .executable(name: "streamlstmd", targets: ["Daemon"]),
        .library(name: "StreamLSTM", targets: ["StreamLSTM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libzmq through pkg-config; only the ZeroMQ target imports it.
        .systemLibrary(
            name: "CZMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // A cache prefetch, which Swift cannot express.
        .target(name: "CPrefetch"),
        // The commit the binary was built from (a C define can carry a string; a Swift one cannot).
        .target(name: "CBuildInfo", cSettings: [.define("STREAMLSTMD_COMMIT", to: "\"\(buildCommit)\"")]),
        // The model library: numbers in, numbers out. No I/O, no sockets, no clocks.
        .target(
            name: "StreamLSTM",
            dependencies: ["CPrefetch", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [
                // NaN checks on every step in debug builds, free in release.
                .define("STREAMLSTM_CHECKS", .when(configuration: .debug)),
                // Unoptimised SIMD generics run about a hundred times slower, which would make
                // every test that trains a model crawl; debug builds optimise this module too.
                // (Still file by file: whole-module mode clashes with debug index-while-build;
                // see the note on @_specialize in Kernels.swift.)
                .unsafeFlags(["-O"], .when(configuration: .debug)),
                // Every property access of a class costs a runtime exclusivity check (a
                // thread-local lookup); a Predictor step made about twenty of them. The
                // compile-time checks stay; predictors are owned by one thread each.
                .unsafeFlags(["-enforce-exclusivity=unchecked"]),
                .unsafeFlags(targetCPUFlags),
            ] + cpuDefines
        ),
        // The ZeroMQ wrapper: the only module that imports libzmq.
        .target(name: "ZeroMQ", dependencies: ["CZMQ"]),
        // What ingest, shards, alerts and checkpoints share, below all of them: a sample and its
        // refusals, a series' key and identity, an alert, its state, severity and rules, the sinks
        // between the stages, and how a configuration key is read. No I/O, no threads.
        .target(name: "StreamLSTMVocabulary", dependencies: ["StreamLSTM"]),
        // The daemon as a library: ingest, shards, alerts, checkpoints, configuration, security,
        // HTTP, silences, feedback and the runtime that assembles them. No command line.
        .target(
            name: "StreamLSTMDaemon",
            dependencies: [
                "ZeroMQ",
                "CPrefetch",
                "CBuildInfo",
                "StreamLSTM",
                "StreamLSTMVocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // What users run beside the daemon: replay, record, evaluate, bench, demo, publish.
        .target(
            name: "StreamLSTMTools",
            dependencies: [
                "StreamLSTMDaemon",
                "StreamLSTMVocabulary",
                "ZeroMQ",
                "StreamLSTM",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The executable: argument parsing, and nothing else.
        .executableTarget(
            name: "Daemon",
            dependencies: [
                "StreamLSTM",
                "StreamLSTMDaemon",
                "StreamLSTMTools",
                "StreamLSTMVocabulary",
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test support both test targets may use: a running daemon, an engine harness, producers,
        // waiting with a deadline, a real Alertmanager on a free port.
        .target(
            name: "StreamLSTMTesting",
            dependencies: [
                "StreamLSTM",
                "StreamLSTMDaemon",
                "StreamLSTMVocabulary",
                "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "StreamLSTMTests", dependencies: ["StreamLSTM"]),
        // Interop/ holds the Python (pyzmq) peers the end-to-end tests run; Fixtures/ files they read.
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "StreamLSTMDaemon", "StreamLSTMTools", "StreamLSTMTesting", "StreamLSTMVocabulary", "StreamLSTM",
                "ZeroMQ",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            exclude: ["Interop", "Fixtures"]
        ),
    ]
)
