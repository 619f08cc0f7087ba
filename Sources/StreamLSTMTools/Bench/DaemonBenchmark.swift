import Foundation
import Logging
import StreamLSTM
import StreamLSTMDaemon
import Synchronization
import ZeroMQ

/// Drives a daemon runtime over loopback ZeroMQ with many series, Graphite
/// payloads of `batch` lines, from a producer socket in this process, and
/// measures what an operator plans capacity with: sustained samples/s with
/// nothing dropped, publish-to-alert latency, resident memory per series.
package struct DaemonBenchmark {
    package init(options: Options) {
        self.options = options
    }

    package struct Options {

        package init() {}

        package var series = 10_000
        package var hiddenSize = 32
        package var batch = 100
        package var timedSamples = 1_000_000
        package var training = false
        package var shards = max(1, ProcessInfo.processInfo.activeProcessorCount)
        package var latencySeconds = 5.0
        package var probes = 2000
        /// Samples/s of the latency phase; nil: half the measured throughput.
        package var latencyRate: Double?
        package var trainingPriority = TrainingPriority.low
        /// > 0: one daemon, learning switched off and on in turns: throughput timed once each way,
        /// then this many latency rounds (off first) at the same offered load.
        package var alternatingRounds = 0
        /// CURVE on the input and the alert socket, with fresh keys.
        package var curve = false
        /// Every series on the one untrained prior (the shared weights, hot in cache) instead of the
        /// production case: each series trained in a warm phase until it has weights of its own.
        package var sharedPrior = false
    }

    /// One latency round of the alternating mode.
    package struct Round {
        package let learning: Bool
        package let p50: Double
        package let p99: Double
        package let spikes: Int
        package let jobsPerSecond: Double
    }

    package struct Result {
        /// Of the regular series, the share on weights of their own in the timed phases.
        package var learnedShare = 0.0
        package var samplesPerSecond = 0.0
        package var processed = 0
        package var expected = 0
        package var rejected = 0
        package var residentBytesPerSeries = 0.0
        package var latencyRate = 0.0
        package var latencies: [Double] = []
        package var trainingUpdatesPerSecond = 0.0
        /// Of the jobs due in the timed phase, the share skipped because training was behind.
        package var skippedFraction = 0.0
        /// Training jobs started per second in the latency phase, at half the saturated load.
        package var trainingAtHalfLoad = 0.0
        /// Alternating mode: throughput with learning on, and the latency rounds.
        package var samplesPerSecondLearning = 0.0
        package var rounds: [Round] = []

        package func percentile(_ p: Double) -> Double { Self.percentile(p, of: latencies) }

        /// The p-quantile of sorted values; NaN when there are none.
        package static func percentile(_ p: Double, of sorted: [Double]) -> Double {
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]
        }
    }

    package let options: Options

    package func run(progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        var engine = EngineConfig()
        engine.shards = options.shards
        // Learning is switched per phase; the engine can learn so that the warm phase may train every series.
        engine.training = true
        engine.trainingPriority = options.trainingPriority
        engine.predictor.model.hiddenSize = options.hiddenSize
        engine.predictor.training = TrainingConfig(every: 16, window: 32, heldOut: 4)
        engine.maxSeries = options.series + options.probes + 1
        engine.alerts.resendInterval = 1e9  // one alert per probe spike, no re-sends
        let residentBefore = residentSetBytes()
        var config = DaemonConfig.inProcess(engine)
        let keys = try options.curve ? BenchKeys() : nil
        if let keys {
            config.inputs[0].curve = keys.server
            config.alertsCurve = keys.server
        }
        let warmUp = engine.predictor.scorer.warmUp
        return try await DaemonService.withRunning(config: config, logger: Logger(label: "bench")) { runtime in
            try measure(runtime, warmUp: warmUp, keys: keys, residentBefore: residentBefore, progress: progress)
        }
    }

    /// The phases, against a running daemon.
    private func measure(
        _ runtime: DaemonRuntime, warmUp: Int, keys: BenchKeys?, residentBefore: Int,
        progress: (String) -> Void
    ) throws -> Result {
        let alerts = try AlertClock(endpoint: runtime.publisher.endpoint, curve: keys?.client)
        defer { alerts.stop() }
        // It queues rather than drops: the benchmark counts every sample.
        let producer: Producer
        do {
            producer = try Producer(connect: runtime.inputs[0].endpoints[0], lingerMilliseconds: 0, curve: keys?.client)
        } catch {
            throw InProcessDaemonFailure.didNotSubscribe(error)
        }
        defer { producer.close() }
        let stats = runtime.engine.stats
        var result = Result()
        var load = LoadGenerator(series: options.series, probes: options.probes, batch: options.batch)

        // Warm-up: every series exists, every probe is past its scorer's warm-up.
        progress("warming up \(options.series) series and \(options.probes) probes")
        var sent = 0
        for message in load.rounds(2) + load.probeWarmUp(samples: warmUp + 50) {
            try producer.send([Array("metrics".utf8), message.bytes])
            sent += message.samples
        }
        try waitUntil(stats, processed: sent, deadline: 600)
        if !options.sharedPrior {
            sent += try learnWeights(
                runtime: runtime, producer: producer, load: &load, alreadySent: sent, progress: progress)
        }
        result.learnedShare = Self.learnedShare(runtime.engine)
        result.residentBytesPerSeries =
            Double(residentSetBytes() - residentBefore) / Double(options.series + options.probes)

        // Throughput: a queue of timed samples as fast as the daemon takes them (alternating: learning off, then on).
        for learning in options.alternatingRounds > 0 ? [false, true] : [options.training] {
            runtime.engine.learning.set(learning)
            progress("timing \(options.timedSamples) samples, learning \(learning ? "on" : "off")")
            let messages = load.rounds(max(1, options.timedSamples / options.series))
            let timed = messages.reduce(0) { $0 + $1.samples }
            let updatesBefore = stats.snapshot.training(.started)
            let skippedBefore = stats.snapshot.training(.skipped)
            let start = Date()
            for message in messages { try producer.send([Array("metrics".utf8), message.bytes]) }
            sent += timed
            try waitUntil(stats, processed: sent, deadline: 600)
            let seconds = Date().timeIntervalSince(start)
            let started = stats.snapshot.training(.started) - updatesBefore
            let skipped = stats.snapshot.training(.skipped) - skippedBefore
            if learning {
                result.trainingUpdatesPerSecond = Double(started) / seconds
                result.skippedFraction = started + skipped > 0 ? Double(skipped) / Double(started + skipped) : 0
            }
            if learning && options.alternatingRounds > 0 {
                result.samplesPerSecondLearning = Double(timed) / seconds
            } else {
                result.samplesPerSecond = Double(timed) / seconds
            }
        }
        result.processed = stats.snapshot.samples
        result.expected = sent
        result.rejected = stats.snapshot.totalRejected

        // Latency: at half that rate, spike the probes one by one; time each alert. The regular
        // load is generated beforehand, so that the producer's own work does not eat the idle time.
        result.latencyRate = options.latencyRate ?? result.samplesPerSecond / 2
        let rounds = max(1, options.alternatingRounds)
        let probesPerRound = options.probes / rounds
        for round in 0..<rounds {
            let learning = options.alternatingRounds > 0 ? round % 2 == 1 : options.training
            runtime.engine.learning.set(learning)
            progress(
                String(
                    format: "latency at %.0f samples/s for %.0f s, learning %@", result.latencyRate,
                    options.latencySeconds, learning ? "on" : "off"))
            let background = load.rounds(max(1, Int(result.latencyRate * options.latencySeconds) / options.series))
            let spikeEvery = max(1, background.count / probesPerRound)
            var spikes: [String: Date] = [:]
            var paced = 0
            let startedBefore = stats.snapshot.training(.started)
            let latencyStart = Date()
            for (index, message) in background.enumerated() {
                if index % spikeEvery == 0, spikes.count < probesPerRound {
                    let spike = load.probeSpike(round * probesPerRound + spikes.count)
                    spikes[spike.probeKey!] = Date()
                    try producer.send([Array("metrics".utf8), spike.bytes])
                    paced += spike.samples
                }
                try producer.send([Array("metrics".utf8), message.bytes])
                paced += message.samples
                let due = latencyStart.addingTimeInterval(Double(paced) / result.latencyRate).timeIntervalSinceNow
                if due > 0 { Thread.sleep(forTimeInterval: due) }
            }
            let jobsPerSecond =
                Double(stats.snapshot.training(.started) - startedBefore) / Date().timeIntervalSince(latencyStart)
            sent += paced
            try waitUntil(stats, processed: sent, deadline: 120)
            let arrivals = alerts.waitForFirings(of: Set(spikes.keys), deadline: Date().addingTimeInterval(10))
            let latencies = spikes.compactMap { key, sentAt in arrivals[key].map { $0.timeIntervalSince(sentAt) } }
                .sorted()
            if learning { result.trainingAtHalfLoad = jobsPerSecond }
            result.latencies = latencies
            result.rounds.append(
                Round(
                    learning: learning, p50: Result.percentile(0.5, of: latencies),
                    p99: Result.percentile(0.99, of: latencies),
                    spikes: latencies.count, jobsPerSecond: jobsPerSecond))
        }
        return result
    }

    private func waitUntil(_ stats: EngineStats, processed: Int, deadline seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while stats.snapshot.samples + stats.snapshot.totalRejected < processed {
            guard Date() < deadline else {
                throw InProcessDaemonFailure.notProcessed(
                    processed: stats.snapshot.samples, sent: processed, seconds: seconds)
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// The production case: rounds of samples with learning on, each round processed and its
    /// training caught up before the next, until 95% of the series have weights of their own (or
    /// 400 rounds). Returns the samples sent.
    private func learnWeights(
        runtime: DaemonRuntime, producer: Producer, load: inout LoadGenerator,
        alreadySent: Int, progress: (String) -> Void
    ) throws -> Int {
        runtime.engine.learning.set(true)
        // No held-out judgement in the warm phase: every job's weights are adopted, so that each series
        // ends on weights of its own (on these smooth curves the prior's last-value guess often wins it).
        let settings = runtime.engine.live.current
        var warm = settings
        warm.training.heldOut = 0
        runtime.engine.live.set(warm)
        defer {
            runtime.engine.live.set(settings)
            runtime.engine.learning.set(false)
        }
        let stats = runtime.engine.stats
        var sent = 0
        for round in 1...400 {
            // Message by message, its jobs done before the next: the queue of jobs never fills, so every
            // series that falls due gets its job (a round at once would let the first 64 win every time).
            for message in load.rounds(1) {
                try producer.send([Array("metrics".utf8), message.bytes])
                sent += message.samples
                try waitUntil(stats, processed: alreadySent + sent, deadline: 600)
                let deadline = Date().addingTimeInterval(60)
                while runtime.engine.trainingBacklog > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.0002) }
            }
            if round % 16 == 0 {
                let share = Self.learnedShare(runtime.engine)
                progress("learning: \(Int(100 * share))% of series on their own weights after \(round) rounds")
                if share >= 0.95 { break }
            }
        }
        return sent
    }

    /// Of the regular series (the probes left out), the share whose model has learned (model version > 0).
    package static func learnedShare(_ engine: Engine) -> Double {
        let regular = ((try? engine.inspect(within: 600).get()) ?? []).filter { !$0.key.hasPrefix("probe") }
        return regular.isEmpty ? 0 : Double(regular.filter { $0.modelVersion > 0 }.count) / Double(regular.count)
    }
}

/// Graphite payloads for the benchmark: regular series on smooth curves, and
/// probe series that take a spike on demand.
package struct LoadGenerator {
    package struct Message {
        package let bytes: [UInt8]
        package let samples: Int
        package var probeKey: String?
    }

    package let series: Int
    package let probes: Int
    package let batch: Int
    private var round = 0
    private var position = 0
    private var probeRound = 0
    private var rng = SplitMix64(seed: 3)

    package init(series: Int, probes: Int, batch: Int) {
        self.series = series
        self.probes = probes
        self.batch = batch
    }

    private mutating func value(series index: Int, round: Int) -> Double {
        5 + sin(2 * Double.pi * Double(round) / Double(20 + index % 37) + Double(index)) + 0.1 * rng.gaussian()
    }

    /// `count` rounds over every regular series (rounded up to whole messages of `batch` lines).
    package mutating func rounds(_ count: Int) -> [Message] {
        let messages = (count * series + batch - 1) / batch
        return (0..<messages).map { _ in nextMessage() }
    }

    /// The next `batch` lines of the regular round-robin over the series.
    package mutating func nextMessage() -> Message {
        var text = ""
        text.reserveCapacity(batch * 32)
        for _ in 0..<batch {
            let timestamp = 1_700_000_000 + 60 * round
            text += "s\(position) \(value(series: position, round: round)) \(timestamp)\n"
            position += 1
            if position == series {
                position = 0
                round += 1
            }
        }
        return Message(bytes: Array(text.utf8), samples: batch)
    }

    /// `samples` calm samples for every probe series.
    package mutating func probeWarmUp(samples: Int) -> [Message] {
        var messages: [Message] = []
        var text = ""
        var lines = 0
        for _ in 0..<samples {
            for probe in 0..<probes {
                text += "probe\(probe) \(5 + 0.1 * rng.gaussian()) \(1_700_000_000 + 60 * probeRound)\n"
                lines += 1
                if lines == batch {
                    messages.append(Message(bytes: Array(text.utf8), samples: lines))
                    text = ""
                    lines = 0
                }
            }
            probeRound += 1
        }
        if lines > 0 { messages.append(Message(bytes: Array(text.utf8), samples: lines)) }
        return messages
    }

    /// One message with a spike (far out of range) in probe `index`.
    package mutating func probeSpike(_ index: Int) -> Message {
        probeRound += 1
        let text = "probe\(index) 1000 \(1_700_000_000 + 60 * probeRound)\n"
        return Message(bytes: Array(text.utf8), samples: 1, probeKey: "probe\(index)")
    }
}

/// Notes when each series' first firing alert arrived.
private final class AlertClock: Sendable {
    private let subscriber: AlertSubscriber
    private let firings: Protected<[String: Date]>

    package init(endpoint: String, curve: CurveClientKeys?) throws {
        let firings = Protected<[String: Date]>([:])
        self.firings = firings
        subscriber = try AlertSubscriber(endpoint: endpoint, prefix: "alert.firing", curve: curve) { alert in
            firings.withLock { if $0[alert.series] == nil { $0[alert.series] = alert.arrived } }
        }
    }

    package func waitForFirings(of keys: Set<String>, deadline: Date) -> [String: Date] {
        while Date() < deadline {
            let seen = firings.withLock { $0 }
            if keys.isSubset(of: Set(seen.keys)) { return seen }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return firings.withLock { $0 }
    }

    package func stop() {
        subscriber.stop()
    }
}

/// Fresh CURVE keys for one benchmark run, in a temporary folder: the daemon's, and one client
/// (producer and subscriber) allowed on both sockets.
private final class BenchKeys: Sendable {
    package let folder: URL
    package let server: CurveServerConfig
    package let client: CurveClientKeys

    package init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("streamlstmd-bench-keys-\(getpid())")
        let allowed = folder.appendingPathComponent("allowed")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        let serverKeys = try ZMQCurve.keyPair()
        let clientKeys = try ZMQCurve.keyPair()
        let serverFile = folder.appendingPathComponent("server.key_secret")
        try CurveCertificate(publicKey: serverKeys.publicKey, secretKey: serverKeys.secretKey)
            .text(secret: true).write(to: serverFile, atomically: true, encoding: .utf8)
        try CurveCertificate(publicKey: clientKeys.publicKey, secretKey: nil, metadata: ["name": "bench"])
            .text(secret: false).write(
                to: allowed.appendingPathComponent("bench.key"), atomically: true, encoding: .utf8)
        server = CurveServerConfig(secretKeyFile: serverFile.path, allowedKeys: allowed.path)
        client = CurveClientKeys(
            serverKey: serverKeys.publicKey, publicKey: clientKeys.publicKey, secretKey: clientKeys.secretKey)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}
