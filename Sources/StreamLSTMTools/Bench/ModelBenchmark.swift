import Foundation
import StreamLSTM
import StreamLSTMDaemon

/// Measures the model's costs on this machine, single-threaded: what an
/// operator needs to know how many series and samples a host can take.
package struct ModelBenchmark {
    package init(trainingWindow: Int, seconds: Double, seriesForMemory: Int) {
        self.trainingWindow = trainingWindow
        self.seconds = seconds
        self.seriesForMemory = seriesForMemory
    }

    package struct Row {
        package let hiddenSize: Int
        package let forwardNanoseconds: Double
        package let stepNanoseconds: Double
        /// BPTT over the whole window, clipping and one Adam step.
        package let trainingMicroseconds: Double
        /// A daemon's training job: the update on the window less its held-out
        /// steps, then candidate, live and previous weights judged on those.
        package let judgedJobMicroseconds: Double
        package let ownedBytes: Int
        package let residentBytes: Double
        package let recordBytes: Int
    }

    package let trainingWindow: Int
    package let seconds: Double
    package let seriesForMemory: Int

    package func run(hiddenSize: Int) -> Row {
        let config = Self.config(hiddenSize: hiddenSize, window: trainingWindow)
        var unjudged = config
        unjudged.training.heldOut = 0
        let predictor = Predictor(config: config)
        let workspace = Workspace(network: predictor.network)
        let trained = Self.trained(config)
        return Row(
            hiddenSize: hiddenSize,
            forwardNanoseconds: forwardCost(predictor.network),
            stepNanoseconds: stepCost(predictor, workspace),
            trainingMicroseconds: trainingCost(Predictor(config: unjudged), workspace),
            judgedJobMicroseconds: trainingCost(Predictor(config: config), workspace),
            ownedBytes: trained.ownedBytes,
            residentBytes: residentCostInFreshProcess(hiddenSize: hiddenSize, window: trainingWindow),
            recordBytes: trained.serialized().count)
    }

    /// Nanoseconds per network forward step: matrix products, activations, head.
    private func forwardCost(_ network: Network) -> Double {
        let parameters: [Float] = network.initialParameters(seed: 1)
        var state = [Float](repeating: 0, count: network.stateSize)
        var cache = [Float](repeating: 0, count: network.cacheSize)
        var scratch = [Float](repeating: 0, count: network.scratchSize)
        var input = [Float](repeating: 0, count: network.inputSize)
        var sink: Float = 0
        let perRound = 10_000
        let cost = measure(rounds: perRound) {
            parameters.withUnsafeBufferPointer { p in
                state.withUnsafeMutableBufferPointer { s in
                    cache.withUnsafeMutableBufferPointer { c in
                        scratch.withUnsafeMutableBufferPointer { w in
                            input.withUnsafeMutableBufferPointer { x in
                                for k in 0..<perRound {
                                    x[0] = Float(k & 63) * 0.03 - 1
                                    sink += network.forward(
                                        p.baseAddress!, input: x.baseAddress!, state: s.baseAddress!,
                                        cache: c.baseAddress!, scratch: w.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        blackHole(sink)
        return cost * 1e9
    }

    /// Nanoseconds per `Predictor.step`: normaliser, network, scorer, history.
    private func stepCost(_ predictor: Predictor, _ workspace: Workspace) -> Double {
        let perRound = 10_000
        var t = 0.0
        let cost = measure(rounds: perRound) {
            for _ in 0..<perRound {
                t += 1
                _ = try? predictor.step(value: sin(t * 0.1), timestamp: t, workspace: workspace)
            }
        }
        return cost * 1e9
    }

    /// Microseconds per training update: BPTT over the window, clipping, Adam.
    private func trainingCost(_ predictor: Predictor, _ workspace: Workspace) -> Double {
        let trainer = Trainer(network: predictor.network, maxWindow: trainingWindow)
        var job: TrainingJob?
        var t = 0.0
        while job == nil {
            t += 1
            _ = try? predictor.step(value: sin(t * 0.1), timestamp: t, workspace: workspace)
            job = predictor.makeTrainingJob()
        }
        var current = job!
        let perRound = 200
        let cost = measure(rounds: perRound) {
            for _ in 0..<perRound {
                current = current.continued(with: trainer.run(current))
            }
        }
        return cost * 1e6
    }

    /// Resident bytes per trained series, malloc's overhead included: create
    /// many, step each through one training window and adopt the result (so
    /// each holds its own weights and Adam's moments), divide the growth of
    /// the resident set. Only exact in a process that has freed nothing yet
    /// (freed memory would be reused without growing the resident set), so
    /// `run` asks a fresh process.
    package func residentCost(_ config: PredictorConfig) -> Double {
        let network = Network(inputSize: config.inputSize, model: config.model)
        let workspace = Workspace(network: network)
        let trainer = Trainer(network: network, maxWindow: config.training.window)
        let before = residentSetBytes()
        var series: [Predictor] = []
        series.reserveCapacity(seriesForMemory)
        for k in 0..<seriesForMemory {
            var seriesConfig = config
            seriesConfig.seed = UInt64(k)
            series.append(Self.trained(seriesConfig, trainer: trainer, workspace: workspace))
        }
        let growth = Double(residentSetBytes() - before) / Double(seriesForMemory)
        blackHole(series.count)
        return growth
    }

    /// A predictor holding all a trained series holds: its own weights, the
    /// previous ones and Adam's moments (one window, one adopted update; the
    /// update is adopted unjudged, as held-out judgement could refuse it).
    package static func trained(_ config: PredictorConfig, trainer: Trainer? = nil, workspace: Workspace? = nil)
        -> Predictor
    {
        var unjudged = config
        unjudged.training.heldOut = 0
        let predictor = Predictor(config: unjudged)
        let workspace = workspace ?? Workspace(network: predictor.network)
        let trainer = trainer ?? Trainer(network: predictor.network, maxWindow: config.training.window)
        var t = 0.0
        while !predictor.trainingDue {
            _ = try? predictor.step(value: sin(t), timestamp: t, workspace: workspace)
            t += 1
        }
        precondition(predictor.adopt(trainer.run(predictor.makeTrainingJob()!)) == .adopted)
        return predictor
    }

    /// Runs `streamlstmd bench model --memory-probe H` and reads the bytes it prints.
    package func residentCostInFreshProcess(hiddenSize: Int, window: Int?) -> Double {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        probe.arguments =
            ["bench", "model", "--memory-probe", String(hiddenSize), "--series", String(seriesForMemory)]
            + (window.map { ["--window", String($0)] } ?? ["--default-training"])
        let output = Pipe()
        probe.standardOutput = output
        do {
            try probe.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            probe.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return Double(text) ?? .nan
        } catch {
            return .nan
        }
    }

    /// The configuration measured at `hiddenSize`: the default one, or one
    /// that trains over `window` steps every `window / 2` samples.
    package static func config(hiddenSize: Int, window: Int?) -> PredictorConfig {
        var config = PredictorConfig(model: ModelConfig(hiddenSize: hiddenSize))
        if let window { config.training = TrainingConfig(every: window / 2, window: window, heldOut: window / 4) }
        return config
    }

    /// Seconds per iteration: repeats `body` (which runs `rounds` iterations)
    /// for about `seconds`, and keeps the fastest round, the one least
    /// disturbed by the rest of the machine.
    private func measure(rounds: Int, _ body: () -> Void) -> Double {
        body()  // warm caches and the branch predictor
        var best = Double.infinity
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, elapsed / Double(rounds))
        } while Date() < deadline
        return best
    }
}

/// Resident set size of this process, from /proc/self/statm.
package func residentSetBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Keeps the optimiser from deleting work whose result is otherwise unused.
@inline(never)
package func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
