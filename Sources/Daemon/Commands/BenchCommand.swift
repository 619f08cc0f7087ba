import ArgumentParser
import Foundation
import StreamLSTM

/// `streamlstmd bench`: measurements of this machine, for capacity planning.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure this machine: model costs now, the running daemon later.",
        subcommands: [ModelBenchCommand.self]
    )
}

struct ModelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Single-threaded model costs: forward step, training update, bytes per series.",
        discussion: "Build with `swift build -c release` first: a debug build measures the debugger's view, not the product."
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
        print("  H   forward step   Predictor.step   forward steps/s   train update (W=\(window))   updates/s"
              + "   state bytes   RSS/series   record bytes")
        for hidden in hiddenSizes {
            let row = benchmark.run(hiddenSize: hidden)
            print(String(format: "%3d   %9.1f ns   %11.1f ns   %15.0f   %20.2f µs   %9.0f   %11d   %10.0f   %12d",
                         row.hiddenSize, row.forwardNanoseconds, row.stepNanoseconds, 1e9 / row.forwardNanoseconds,
                         row.trainingMicroseconds, 1e6 / row.trainingMicroseconds, row.ownedBytes,
                         row.residentBytes, row.recordBytes))
        }
        let defaults = PredictorConfig()
        let predictor = Predictor(config: defaults)
        print(String(format: "default predictor (H=%d, window %d, train every %d): %d state bytes, %.0f RSS bytes/series, "
                     + "%d record bytes", defaults.model.hiddenSize, defaults.training.window,
                     defaults.training.every, predictor.ownedBytes,
                     benchmark.residentCostInFreshProcess(hiddenSize: defaults.model.hiddenSize, window: nil),
                     predictor.serialized().count))
    }
}
