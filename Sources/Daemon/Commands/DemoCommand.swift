import ArgumentParser
import Foundation
import StreamLSTM

/// `streamlstmd demo`: the detector on a built-in synthetic stream, alerts printed live.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the detector on a built-in synthetic stream and print its alerts.",
        discussion: """
            Four series with daily-like cycles and noise; one gets a spike, one a lasting \
            level shift, one a dropout, one stays clean. Each series has its own LSTM \
            predictor that keeps learning as the samples arrive.
            """
    )

    @Option(help: "Samples per series.")
    var samples: Int = 3500

    @Option(help: "Samples per second per series (0: as fast as possible).")
    var rate: Double = 2000

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        guard rate >= 0 else { throw ValidationError("--rate must be >= 0") }
    }

    func run() throws {
        var producer = SyntheticProducer()
        let config = PredictorConfig()
        let detectors = producer.series.map { _ in Predictor(config: config) }
        let workspace = Workspace(network: detectors[0].network)
        let trainer = Trainer(network: detectors[0].network, maxWindow: config.training.window)
        let threshold = config.scorer.threshold
        // One line per incident: after an alert a series stays quiet this many samples.
        let quietAfterAlert = 200
        var quietUntil = [Int](repeating: 0, count: detectors.count)
        var alerts = 0
        let start = Date()
        let startTime = 1_700_000_000.0

        print("streamlstmd demo: \(detectors.count) series, \(samples) samples each; "
              + "warm-up \(config.scorer.warmUp) samples, threshold \(threshold)")
        for t in 0..<samples {
            for (index, detector) in detectors.enumerated() {
                let value = producer.value(series: index, at: t)
                let result = try detector.step(value: value, timestamp: startTime + Double(t) * 300,
                                               workspace: workspace)
                if let job = detector.makeTrainingJob() { detector.adopt(trainer.run(job)) }
                if result.anomaly.score >= threshold && t >= quietUntil[index] {
                    alerts += 1
                    quietUntil[index] = t + quietAfterAlert
                    let expected = result.predicted.map { String(format: "%.1f", $0) } ?? "-"
                    print(String(format: "ALERT sample %5d  %-22@ value %8.1f  expected %8@ [%.1f, %.1f]  score %.3f  (%@)",
                                 t, producer.series[index].name as NSString, value, expected as NSString,
                                 result.lower, result.upper, result.anomaly.score,
                                 "\(result.anomaly.reason)" as NSString))
                }
            }
            if rate > 0 { pace(sample: t + 1, since: start) }
        }
        let seconds = Date().timeIntervalSince(start)
        let injected = producer.series.compactMap(\.incident.start).count
        print(String(format: "done: %d samples in %.1f s (%.0f samples/s), %d alerts for %d injected incidents",
                     samples * detectors.count, seconds, Double(samples * detectors.count) / seconds,
                     alerts, injected))
    }

    private func pace(sample: Int, since start: Date) {
        let due = start.addingTimeInterval(Double(sample) / rate)
        let wait = due.timeIntervalSinceNow
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }
}
