import StreamLSTM
import StreamLSTMDaemon

/// A user who reads the alerts of one replayed file against its labelled windows and says what they
/// think, over the first half of the file (`replay --simulated-user`): the number that shows whether
/// feedback works is the second half's score with this user against without.
///
/// - An alert that starts outside every window is marked `normal` 12 samples after it starts (the
///   stretch: its start to then).
/// - An alert that starts inside a window is confirmed `anomaly`, 12 samples after it starts.
/// - A window that passes without the series alerting in it is marked `anomaly` at its end.
///
/// Only verdicts due before the middle of the file are given. Samples are counted in the file's rows.
package struct SimulatedUser {
    /// Samples between an alert's start and the user's verdict on it.
    package static let reactionSamples = 12

    private let windows: [(start: Double, end: Double)]
    /// The first row of the second half.
    private let middleRow: Int
    private var row = 0
    /// Alerts waiting for a verdict: where they started, and the row the verdict is due at.
    private var waiting: [(series: String, start: Double, dueRow: Int, inWindow: Bool)] = []
    /// Per window: whether the series alerted in it, and whether it has been dealt with.
    private var alerted: [Bool]
    private var passed: [Bool]
    package private(set) var counts = Counts()

    package struct Counts: Equatable {
        package var normal = 0
        package var confirmed = 0
        package var missed = 0

        package var total: Int { normal + confirmed + missed }

        package static func + (a: Counts, b: Counts) -> Counts {
            Counts(normal: a.normal + b.normal, confirmed: a.confirmed + b.confirmed, missed: a.missed + b.missed)
        }
    }

    package init(windows: [(start: Double, end: Double)], rows: Int) {
        self.windows = windows.sorted { $0.start < $1.start }
        middleRow = rows / 2
        alerted = [Bool](repeating: false, count: windows.count)
        passed = alerted
    }

    /// One row of the file as the daemon left it: its series and time, whether its series is firing
    /// after it and whether it paged. Returns the verdicts the user gives now.
    package mutating func observe(series: String, at time: Double, firing: Bool, paged: Bool) -> [Feedback] {
        defer { row += 1 }
        var verdicts: [Feedback] = []
        let inside = windows.indices.filter { windows[$0].start <= time && time <= windows[$0].end }
        if firing { for index in inside { alerted[index] = true } }
        if paged {
            waiting.append((series, time, row + Self.reactionSamples, !inside.isEmpty))
        }
        let giving = row < middleRow
        for alert in waiting where alert.dueRow == row && giving {
            verdicts.append(verdict(alert.series, from: alert.start, to: time, alert.inWindow ? .anomaly : .normal))
            if alert.inWindow { counts.confirmed += 1 } else { counts.normal += 1 }
        }
        waiting.removeAll { $0.dueRow <= row }
        for index in windows.indices where !passed[index] && time > windows[index].end {
            passed[index] = true
            guard giving, !alerted[index] else { continue }
            verdicts.append(verdict(series, from: windows[index].start, to: windows[index].end, .anomaly))
            counts.missed += 1
        }
        return verdicts
    }

    private func verdict(_ series: String, from: Double, to: Double, _ verdict: Verdict) -> Feedback {
        // The stretch is well formed by construction (from <= to), so this cannot throw.
        try! Feedback(series: series, from: from, to: max(to, from), verdict: verdict, note: "simulated user")
    }
}
