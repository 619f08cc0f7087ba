import Foundation
import Logging
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// Drives an in-process engine one sample at a time, waiting until each is
/// processed and, with `lockstep`, until the training it started has come
/// back, so that a run is the same every time.
package final class EngineHarness {
    package let engine: Engine
    private let alerts = Protected<[Alert]>([])
    package let lockstep: Bool
    private var fed = 0

    package init(config: EngineConfig, lockstep: Bool = true, silences: SilenceBook? = nil) {
        var config = config
        // In lockstep the harness waits for every job; low-priority jobs could wait on a busy machine.
        if lockstep { config.trainingPriority = .normal }
        let alerts = self.alerts
        engine = Engine(
            config: config, silences: silences, logger: Logger(label: "test"),
            alerts: AlertHandler { alert in alerts.withLock { $0.append(alert) } })
        self.lockstep = lockstep
    }

    deinit { engine.stop() }

    package var raised: [Alert] { alerts.withLock { $0 } }

    package func summary(_ key: String) -> SeriesSummary? { (try? engine.inspect(key: key, within: 60).get()) ?? nil }

    /// Feeds `values` to series `key` (one per minute of sample time) and
    /// returns each value's residual against the forecast made for it.
    /// Anomaly scores of every sample fed, in order.
    package private(set) var scores: [Double] = []

    package func feed(_ key: String, _ values: [Double], startingAt start: Int = 0) throws -> [Double] {
        var residuals: [Double] = []
        var forecast = summary(key)?.forecast
        for (offset, value) in values.enumerated() {
            let sample = Sample(key: key, timestamp: 1_700_000_000 + 60 * Double(start + offset), value: value)
            engine.submit([sample], acceptOutOfOrder: false)
            fed += 1
            try waitUntil("sample \(fed) processed", poll: 0.00005) {
                self.engine.stats.snapshot.samples + self.engine.stats.snapshot.totalRejected >= self.fed
            }
            if lockstep { try waitUntil("training in step", poll: 0.00005) { self.engine.trainingBacklog == 0 } }
            residuals.append(forecast.map { value - $0 } ?? 0)
            let after = summary(key)
            forecast = after?.forecast
            scores.append(after?.score ?? .nan)
        }
        return residuals
    }

}

package func rms(_ values: ArraySlice<Double>) -> Double {
    (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
}
