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
        let unreachable = "http://127.0.0.1:\(try Self.closedPort())"
        var none: [AlertmanagerBenchmark.Result] = []
        var away: [AlertmanagerBenchmark.Result] = []
        let benchmark = AlertmanagerBenchmark(series: series)
        for _ in 0..<runs {
            none.append(try benchmark.run(alertmanager: nil, rounds: rounds))
            away.append(try benchmark.run(alertmanager: unreachable, rounds: rounds))
        }
        func line(_ name: String, _ results: [AlertmanagerBenchmark.Result]) -> String {
            let p50 = results.map { $0.quantile(0.5) * 1e6 }.sorted()
            let p99 = results.map { $0.quantile(0.99) * 1e6 }.sorted()
            return String(
                format: "  %@: p50 %.2f us, p99 %.2f us per sample (medians of %d runs); %d alerts raised, %d dropped",
                name, p50[p50.count / 2], p99[p99.count / 2], results.count, results.last?.alertsTaken ?? 0,
                results.last?.dropped ?? 0)
        }
        print("streamlstmd bench alertmanager: \(series) series firing, every sample re-sending, one shard")
        print(line("no Alertmanager", none))
        print(line("Alertmanager away", away))
        let ratio = zip(away, none).map { $0.quantile(0.99) / $1.quantile(0.99) }.sorted()
        print(String(format: "  p99 away / none: x%.2f (median of paired runs)", ratio[ratio.count / 2]))
    }

    /// A loopback port nothing listens on: bound, then closed.
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ValidationError("no loopback port to use") }
        return UInt16(bigEndian: address.sin_port)
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
        #if DEBUG
            print("warning: this is a debug build; its numbers mean little. Use `swift build -c release`.")
        #endif
        let config = EngineConfig().predictor
        print(
            "streamlstmd bench checkpoint: learned series, H=\(config.model.hiddenSize), snapshots in chunks of "
                + "\(Shard.snapshotChunk), in \(dir)")
        print("series      file size     bytes/series  longest pause      write (encode+fsync)  restore")
        let benchmark = CheckpointBenchmark(directory: dir)
        for count in series {
            let r = try benchmark.run(series: count, config: config)
            print(
                String(
                    format: "%-11d %8.1f MB   %12d  %11.1f ms       %9.2f s          %6.2f s", r.series,
                    Double(r.bytes) / 1e6, r.bytes / r.series, r.pauseSeconds * 1e3, r.writeSeconds,
                    r.restoreSeconds))
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
        #if DEBUG
            print("warning: this is a debug build; its numbers mean little. Use `swift build -c release`.")
        #endif
        print("streamlstmd bench model: LSTM, 1 layer, input = value, single thread, best of \(seconds) s each")
        print(
            "  H   forward step   Predictor.step   forward steps/s   train update (W=\(window))   updates/s"
                + "   judged job   state bytes   RSS/series   record bytes")
        for hidden in hiddenSizes {
            let row = benchmark.run(hiddenSize: hidden)
            print(
                String(
                    format: "%3d   %9.1f ns   %11.1f ns   %15.0f   %20.2f µs   %9.0f   %7.1f µs   %11d   %10.0f   %12d",
                    row.hiddenSize, row.forwardNanoseconds, row.stepNanoseconds, 1e9 / row.forwardNanoseconds,
                    row.trainingMicroseconds, 1e6 / row.trainingMicroseconds, row.judgedJobMicroseconds,
                    row.ownedBytes, row.residentBytes, row.recordBytes))
        }
        print(
            "(judged job: a daemon's training job, the update on the window less \(window / 4) held-out steps, "
                + "then live, candidate and previous weights judged on those)")
        let defaults = PredictorConfig()
        let predictor = ModelBenchmark.trained(defaults)
        print(
            String(
                format: "default predictor (H=%d, window %d, train every %d): %d state bytes, %.0f RSS bytes/series, "
                    + "%d record bytes", defaults.model.hiddenSize, defaults.training.window,
                defaults.training.every, predictor.ownedBytes,
                benchmark.residentCostInFreshProcess(hiddenSize: defaults.model.hiddenSize, window: nil),
                predictor.serialized().count))
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
        #if DEBUG
            print("warning: this is a debug build; its numbers mean little. Use `swift build -c release`.")
        #endif
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
            print(
                "streamlstmd bench daemon: \(series) series, H = \(hidden), \(batch) lines per message, "
                    + "training \(learning ? "on (K = 16, W = 32)" : "off"), \(options.shards) shards"
                    + (curve ? ", CURVE on both sockets" : ", plain text")
                    + String(format: ", %.0f%% of series on weights of their own", 100 * result.learnedShare))
            print(
                String(
                    format: "  throughput: %.0f samples/s; processed %d of %d sent, %d rejected",
                    result.samplesPerSecond, result.processed, result.expected, result.rejected))
            if learning {
                print(
                    String(
                        format: "  training: %.0f jobs/s started at full load (%.0f%% of due jobs skipped), "
                            + "%.0f jobs/s at half load", result.trainingUpdatesPerSecond, 100 * result.skippedFraction,
                        result.trainingAtHalfLoad))
            }
            print(
                String(
                    format: "  latency publish -> alert at %.0f samples/s: p50 %.2f ms, p99 %.2f ms (%d spikes)",
                    result.latencyRate, result.percentile(0.5) * 1000, result.percentile(0.99) * 1000,
                    result.latencies.count))
            print(String(format: "  memory: %.0f resident bytes per series", result.residentBytesPerSeries))
        }
        if results.count == 2 {
            print(
                String(
                    format: "training on / off: throughput x%.2f, p99 latency x%.2f",
                    results[1].samplesPerSecond / results[0].samplesPerSecond,
                    results[1].percentile(0.99) / results[0].percentile(0.99)))
        }
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
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        }
        print(
            "streamlstmd bench daemon: \(series) series, H = \(hidden), \(batch) lines per message, "
                + "\(options.shards) shards, training (K = 16, W = 32, \(trainingPriority.rawValue) priority) "
                + "switched off and on in one daemon"
                + String(format: ", %.0f%% of series on weights of their own", 100 * result.learnedShare))
        print(
            String(
                format: "  throughput: %.0f samples/s learning off, %.0f on (x%.2f); %d of %d processed",
                result.samplesPerSecond, result.samplesPerSecondLearning,
                result.samplesPerSecondLearning / result.samplesPerSecond, result.processed, result.expected))
        print(
            String(
                format: "  training: %.0f jobs/s started at full load (%.0f%% of due jobs skipped)",
                result.trainingUpdatesPerSecond, 100 * result.skippedFraction))
        print(String(format: "  memory: %.0f resident bytes per series", result.residentBytesPerSeries))
        print(
            String(
                format: "  latency publish -> alert at %.0f samples/s, %d rounds of %.0f s:", result.latencyRate,
                result.rounds.count, latencySeconds))
        for (index, round) in result.rounds.enumerated() {
            print(
                String(
                    format: "    round %d, learning %@: p50 %.2f ms, p99 %.2f ms (%d spikes), %.0f jobs/s", index + 1,
                    round.learning ? "on " : "off", round.p50 * 1000, round.p99 * 1000, round.spikes,
                    round.jobsPerSecond))
        }
        let off = median(result.rounds.filter { !$0.learning }.map(\.p99))
        let on = median(result.rounds.filter(\.learning).map(\.p99))
        let pairs = stride(from: 0, to: result.rounds.count - 1, by: 2).map {
            result.rounds[$0 + 1].p99 / result.rounds[$0].p99
        }
        print(
            String(
                format: "training on / off: throughput x%.2f, median p99 %.2f / %.2f ms = x%.2f, "
                    + "median of paired rounds x%.2f", result.samplesPerSecondLearning / result.samplesPerSecond,
                on * 1000, off * 1000, on / off, median(pairs)))
    }
}

extension TrainingPriority: ExpressibleByArgument {}
