import ArgumentParser
import Foundation
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd bench`: measurements of this machine, for capacity planning.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure this machine: the model, the running daemon end to end, checkpoints.",
        subcommands: [
            ModelBenchCommand.self, DaemonBenchCommand.self, CheckpointBenchCommand.self, AlertmanagerBenchCommand.self,
        ]
    )
}

struct AlertmanagerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertmanager",
        abstract: "A shard's time per sample with every series firing and an Alertmanager that is away.",
        discussion: """
            In process, one shard, learning off: SERIES series warm up, then all shift and fire, and every \
            sample re-sends its alert (re-send interval 1 s, samples a minute apart). Runs with no \
            Alertmanager and with one that refuses every connection (its queue full and dropping), \
            alternating, and prints p50 and p99 of the time per sample of batches of 1,000.
            """
    )

    @Option(help: "Series, all firing.")
    var series = 20_000

    @Option(help: "Samples per series timed, per run.")
    var rounds = 10

    @Option(help: "Runs of each kind, alternating.")
    var runs = 3

    func run() throws {
        let unreachable = "http://127.0.0.1:\(try AlertmanagerBenchmark.closedPort())"
        var none: [AlertmanagerBenchmark.Result] = []
        var away: [AlertmanagerBenchmark.Result] = []
        let benchmark = AlertmanagerBenchmark(series: series)
        for _ in 0..<runs {
            none.append(try benchmark.run(alertmanager: nil, rounds: rounds))
            away.append(try benchmark.run(alertmanager: unreachable, rounds: rounds))
        }
        for line in BenchReport.alertmanager(series: series, none: none, away: away) { print(line) }
    }
}

struct CheckpointBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Checkpoint costs for N learned series: detection pause, write time and size, restore time."
    )

    @Option(parsing: .upToNextOption, help: "Series counts to measure.")
    var series: [Int] = [10_000, 100_000]

    @Option(help: "State directory to write in (its series.ckpt is removed afterwards).")
    var dir: String = FileManager.default.temporaryDirectory.appendingPathComponent("streamlstmd-bench-checkpoint").path

    func run() throws {
        if let warning = BenchReport.debugBuildWarning { print(warning) }
        let config = EngineConfig().predictor
        for line in BenchReport.checkpointHeader(config: config, directory: dir) { print(line) }
        let benchmark = CheckpointBenchmark(directory: dir)
        for count in series {
            print(BenchReport.checkpointRow(try benchmark.run(series: count, config: config)))
        }
    }
}

struct ModelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Single-threaded model costs: forward step, training update, bytes per series.",
        discussion:
            "Build with `swift build -c release` first: a debug build measures the debugger's view, not the product."
    )

    @Option(name: .customLong("hidden"), parsing: .upToNextOption, help: "Hidden sizes to measure.")
    var hiddenSizes: [Int] = [16, 32, 64]

    @Option(help: "BPTT window of the training update, in steps.")
    var window: Int = 32

    @Option(help: "Seconds spent on each measurement (the fastest round is kept).")
    var seconds: Double = 1

    @Option(help: "Series created to measure resident memory per series.")
    var series: Int = 10_000

    /// Internal: measure resident bytes per series at this hidden size and print only that.
    @Option(help: .hidden)
    var memoryProbe: Int?

    /// Internal, with --memory-probe: measure the default training settings.
    @Flag(help: .hidden)
    var defaultTraining = false

    func validate() throws {
        guard hiddenSizes.allSatisfy({ (1...1024).contains($0) }) else {
            throw ValidationError("hidden sizes must lie in 1...1024")
        }
        guard window >= 2, window % 2 == 0 else { throw ValidationError("--window must be an even number >= 2") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard series > 0 else { throw ValidationError("--series must be positive") }
    }

    func run() throws {
        let benchmark = ModelBenchmark(trainingWindow: window, seconds: seconds, seriesForMemory: series)
        if let hidden = memoryProbe {
            let config = ModelBenchmark.config(hiddenSize: hidden, window: defaultTraining ? nil : window)
            print(benchmark.residentCost(config))
            return
        }
        if let warning = BenchReport.debugBuildWarning { print(warning) }
        for line in BenchReport.modelHeader(seconds: seconds, window: window) { print(line) }
        for hidden in hiddenSizes { print(BenchReport.modelRow(benchmark.run(hiddenSize: hidden))) }
        for line in BenchReport.modelFooter(benchmark, window: window) { print(line) }
    }
}

struct DaemonBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "End to end over loopback ZeroMQ: samples/s with nothing dropped, publish-to-alert latency, memory.",
        discussion: "Build with `swift build -c release` first. The producer runs in this process, on the same cores."
    )

    @Option(help: "Regular series.")
    var series: Int = 10_000

    @Option(help: "Hidden size of every model.")
    var hidden: Int = 32

    @Option(help: "Lines per message.")
    var batch: Int = 100

    @Option(help: "Samples in the timed throughput phase.")
    var samples: Int = 1_000_000

    @Option(
        help: """
            Online learning during the run (K = 16, W = 32): off, on, both (two daemons, compared), or alternate         (one daemon, learning switched off and on between rounds at the same load; medians compared).
            """)
    var training: TrainingMode = .off

    enum TrainingMode: String, ExpressibleByArgument {
        case off, on, both, alternate
    }

    @Option(help: "Latency rounds of --training alternate (off first).")
    var rounds: Int = 8

    @Option(help: "CPU share of training jobs: low (nice 10), idle (SCHED_IDLE) or normal.")
    var trainingPriority: TrainingPriority = .low

    @Option(help: "Shard threads (default: one per core).")
    var shards: Int?

    @Option(help: "Seconds of the latency phase.")
    var latencySeconds: Double = 10

    @Flag(help: "CURVE on the input and the alert socket (fresh keys, one allowed client).")
    var curve = false

    @Flag(
        help: "Every series on the one untrained prior, not on weights of its own (the production case, the default).")
    var sharedPrior = false

    func run() async throws {
        if let warning = BenchReport.debugBuildWarning { print(warning) }
        var options = DaemonBenchmark.Options()
        options.series = series
        options.hiddenSize = hidden
        options.batch = batch
        options.timedSamples = samples
        if let shards { options.shards = shards }
        options.latencySeconds = latencySeconds
        options.trainingPriority = trainingPriority
        options.curve = curve
        options.sharedPrior = sharedPrior
        if training == .alternate { return try await runAlternating(options) }
        let modes: [Bool] = training == .both ? [false, true] : [training == .on]
        var results: [DaemonBenchmark.Result] = []
        for learning in modes {
            options.training = learning
            let result = try await DaemonBenchmark(options: options).run { note in
                FileHandle.standardError.write(Data("bench: \(note)\n".utf8))
            }
            results.append(result)
            // Compare latency at the same offered load, not at half of each run's own throughput.
            options.latencyRate = result.latencyRate
            for line in BenchReport.daemon(result, options: options) { print(line) }
        }
        if let line = BenchReport.daemonComparison(results) { print(line) }
    }
}

extension DaemonBenchCommand {
    /// One daemon; learning off and on in turns, so that both see the same machine at nearly the same moments.
    private func runAlternating(_ base: DaemonBenchmark.Options) async throws {
        var options = base
        options.alternatingRounds = max(2, rounds)
        options.probes = 500 * options.alternatingRounds
        let result = try await DaemonBenchmark(options: options).run { note in
            FileHandle.standardError.write(Data("bench: \(note)\n".utf8))
        }
        for line in BenchReport.daemonAlternating(result, options: options) { print(line) }
    }
}

extension TrainingPriority: ExpressibleByArgument {}
