import Foundation
import StreamLSTM
import StreamLSTMDaemon

/// Synthetic metric series with known anomalies, for the demo and for tests:
/// seasonal shapes with noise, and incidents injected at known samples.
package struct SyntheticProducer {
    /// What is injected into a series, and where.
    package enum Incident: Equatable {
        case spike(at: Int, size: Double)
        case levelShift(at: Int, size: Double)
        case dropout(at: Int, length: Int)
        case none

        package var start: Int? {
            switch self {
            case .spike(let at, _), .levelShift(let at, _), .dropout(let at, _): at
            case .none: nil
            }
        }
    }

    package struct Series {
        package let name: String
        package let base: Double
        package let amplitude: Double
        package let period: Double
        package let noise: Double
        package let incident: Incident
    }

    package let series: [Series]
    private var rng: SplitMix64

    package init(seed: UInt64 = 1) {
        rng = SplitMix64(seed: seed)
        series = [
            Series(
                name: "web01.cpu.user", base: 40, amplitude: 15, period: 144, noise: 1.5,
                incident: .spike(at: 1500, size: 45)),
            Series(name: "web02.cpu.user", base: 35, amplitude: 12, period: 144, noise: 1.5, incident: .none),
            Series(
                name: "db01.queries_per_s", base: 800, amplitude: 200, period: 288, noise: 25,
                incident: .levelShift(at: 2000, size: 600)),
            Series(
                name: "lb01.requests_per_s", base: 1200, amplitude: 300, period: 96, noise: 40,
                incident: .dropout(at: 2500, length: 30)),
        ]
    }

    /// The value of series `index` at sample `t`.
    package mutating func value(series index: Int, at t: Int) -> Double {
        let s = series[index]
        var value = s.base + s.amplitude * sin(2 * Double.pi * Double(t) / s.period) + s.noise * rng.gaussian()
        switch s.incident {
        case .spike(let at, let size) where t == at: value += size
        case .levelShift(let at, let size) where t >= at: value += size
        case .dropout(let at, let length) where t >= at && t < at + length: value = s.base * 0.05
        default: break
        }
        return value
    }
}
