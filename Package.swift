// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "streamlstmd",
    products: [
        .executable(name: "streamlstmd", targets: ["Daemon"]),
        .library(name: "StreamLSTM", targets: ["StreamLSTM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // libzmq through pkg-config; only the ZeroMQ wrapper in Daemon imports it.
        .systemLibrary(
            name: "CZMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // The model library: numbers in, numbers out. No I/O, no sockets, no clocks.
        .target(
            name: "StreamLSTM",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [
                // NaN checks on every step in debug builds, free in release.
                .define("STREAMLSTM_CHECKS", .when(configuration: .debug)),
                // Unoptimised SIMD generics run about a hundred times slower, which would make
                // every test that trains a model crawl; debug builds optimise this module too.
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ]
        ),
        .executableTarget(
            name: "Daemon",
            dependencies: [
                "CZMQ",
                "StreamLSTM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "StreamLSTMTests", dependencies: ["StreamLSTM"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "StreamLSTM"]),
    ]
)
