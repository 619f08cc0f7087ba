import RealModule

@testable import StreamLSTM

/// Deterministic synthetic series for the model and scorer tests.
enum SyntheticSeries {
    /// `sin(2π t / period)` plus Gaussian noise of standard deviation `noise`.
    static func sine(count: Int, period: Double, noise: Double, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { t in Double.sin(2 * Double.pi * Double(t) / period) + noise * rng.gaussian() }
    }

    static func noise(count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.gaussian() }
    }
}

/// Drives one predictor over a series the way the daemon will: step every
/// sample, train whenever a job is due, adopt the result at once.
struct Driver {
    let predictor: Predictor
    let workspace: Workspace
    let trainer: Trainer
    /// Seconds between samples (by default 5 minutes, like most of NAB).
    let interval: Double
    private(set) var results: [StepResult] = []

    init(config: PredictorConfig = PredictorConfig(), interval: Double = 300) {
        self.interval = interval
        predictor = Predictor(config: config)
        workspace = Workspace(network: predictor.network)
        trainer = Trainer(network: predictor.network, maxWindow: max(config.training.window, 1))
    }

    mutating func feed(_ values: [Double]) {
        for value in values {
            let timestamp = 1_700_000_000 + Double(predictor.sampleCount) * interval
            results.append(try! predictor.step(value: value, timestamp: timestamp, workspace: workspace))
            if let job = predictor.makeTrainingJob() {
                predictor.adopt(trainer.run(job))
            }
        }
    }

    /// Root mean square of the residuals over `range` of the samples fed so far.
    func rmsResidual(_ range: Range<Int>) -> Double {
        let squares = results[range].map { $0.residual * $0.residual }
        return (squares.reduce(0, +) / Double(squares.count)).squareRoot()
    }

    /// `index:reason` of each detection, for the message of a failed expectation.
    func describe(_ detections: [Int]) -> String {
        detections.map { "\($0):\(results[$0].anomaly.reason)" }.joined(separator: " ")
    }

    /// Indices in `range` whose score reached the threshold.
    func detections(in range: Range<Int>, threshold: Double) -> [Int] {
        range.filter { results[$0].anomaly.score >= threshold }
    }
}
