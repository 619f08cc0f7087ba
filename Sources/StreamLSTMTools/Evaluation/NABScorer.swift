import RealModule
import StreamLSTMDaemon

/// Weights of one NAB profile: reward for a detected window, cost of a false
/// positive and of a missed window.
package struct NABProfile: Sendable, Equatable {
    package let name: String
    package let truePositive: Double
    package let falsePositive: Double
    package let falseNegative: Double

    package static let standard = NABProfile(name: "standard", truePositive: 1, falsePositive: 0.11, falseNegative: 1)
    package static let rewardLowFP = NABProfile(
        name: "reward_low_FP_rate", truePositive: 1, falsePositive: 0.22,
        falseNegative: 1)
    package static let rewardLowFN = NABProfile(
        name: "reward_low_FN_rate", truePositive: 1, falsePositive: 0.11,
        falseNegative: 2)
    package static let all = [standard, rewardLowFP, rewardLowFN]
}

/// One data file's scores and labels, in rows.
package struct NABFile: Sendable {
    package let name: String
    /// `anomaly_score` of every row, in file order.
    package let scores: [Double]
    /// Labelled windows as inclusive row ranges, in order.
    package let windows: [ClosedRange<Int>]
    /// Whether the daemon's alert was open at each row (the result's `alert` column), and whether it
    /// paged there (a new alert fired: its `page` column); empty when the results do not say.
    package var alerts: [Bool] = []
    package var pages: [Bool] = []
    /// Rows never scored at the start, when not NAB's.
    package var unscoredRows: Int? = nil

    /// Rows never scored at the start: `min(floor(0.15 n), 750)`, as NAB has it, unless set.
    package var probation: Int { unscoredRows ?? min(scores.count * 15 / 100, 750) }

    /// The rows from the middle on, as a file of their own scored in full (no probation: the first
    /// half was the detector's), with the windows that reach into them cut at the middle. What
    /// `replay --simulated-user` is judged by: its user spoke in the first half only.
    package var secondHalf: NABFile {
        let middle = scores.count / 2
        let cut = windows.filter { $0.upperBound >= middle }.map {
            (max($0.lowerBound, middle) - middle)...($0.upperBound - middle)
        }
        var half = NABFile(
            name: name, scores: Array(scores[middle...]), windows: cut,
            alerts: alerts.isEmpty ? [] : Array(alerts[middle...]), pages: pages.isEmpty ? [] : Array(pages[middle...]))
        half.unscoredRows = 0
        return half
    }
}

/// What one file or corpus scored at one threshold.
package struct NABTally: Sendable, Equatable {
    package var raw = 0.0
    package var windows = 0
    package var detectedWindows = 0
    package var falsePositives = 0

    package static func + (a: NABTally, b: NABTally) -> NABTally {
        NABTally(
            raw: a.raw + b.raw, windows: a.windows + b.windows,
            detectedWindows: a.detectedWindows + b.detectedWindows, falsePositives: a.falsePositives + b.falsePositives)
    }

    /// `100 (raw − null) / (perfect − null)`; nil without windows (nothing to normalise by).
    package func normalised(_ profile: NABProfile) -> Double? {
        guard windows > 0 else { return nil }
        let null = -profile.falseNegative * Double(windows)
        let perfect = profile.truePositive * Double(windows)
        return 100 * (raw - null) / (perfect - null)
    }
}

/// The Numenta Anomaly Benchmark's scoring rules, as `../shared/nab/README.md`
/// states them: a row is a detection when its score reaches the threshold;
/// a window's earliest detection earns a weight that falls along the window
/// by a scaled sigmoid; a detection outside every window costs more the
/// further it lies after the last window; a missed window costs its weight;
/// the probationary rows count for nothing.
package enum NABScorer {
    /// `A(x) = 2 / (1 + e^{5x}) − 1` for x ≤ 3, and −1 beyond.
    package static func scaledSigmoid(_ x: Double) -> Double {
        x > 3 ? -1 : 2 / (1 + Double.exp(5 * x)) - 1
    }

    /// Worth of a window's earliest detection at `row`: the full weight at the left edge, near 0 at the right.
    package static func truePositiveWeight(row: Int, window: ClosedRange<Int>, profile: NABProfile) -> Double {
        let width = Double(window.count)
        return profile.truePositive * scaledSigmoid(-Double(window.upperBound - row + 1) / width) / scaledSigmoid(-1)
    }

    /// Cost (negative) of a detection at `row` outside every window, after the preceding window, if any.
    package static func falsePositiveWeight(row: Int, previous: ClosedRange<Int>?, profile: NABProfile) -> Double {
        guard let previous else { return -profile.falsePositive }
        let span = Double(max(previous.count - 1, 1))
        return profile.falsePositive * scaledSigmoid(Double(row - previous.upperBound) / span)
    }

    /// What each scored row is worth if it is a detection: in a window,
    /// `.window(k)`; outside, the false-positive cost.
    private enum Place {
        case probation
        case window(Int)
        case outside(cost: Double)
    }

    private static func places(_ file: NABFile, profile: NABProfile) -> [Place] {
        var places = [Place](repeating: .probation, count: file.scores.count)
        var next = 0
        var previous: ClosedRange<Int>?
        for row in file.probation..<file.scores.count {
            while next < file.windows.count && file.windows[next].upperBound < row {
                previous = file.windows[next]
                next += 1
            }
            if next < file.windows.count && file.windows[next].contains(row) {
                places[row] = .window(next)
            } else {
                places[row] = .outside(cost: falsePositiveWeight(row: row, previous: previous, profile: profile))
            }
        }
        return places
    }

    /// One file's tally at a threshold.
    package static func score(_ file: NABFile, threshold: Double, profile: NABProfile) -> NABTally {
        var tally = NABTally(windows: file.windows.count)
        var detected = [Bool](repeating: false, count: file.windows.count)
        for (row, place) in places(file, profile: profile).enumerated() where file.scores[row] >= threshold {
            switch place {
            case .probation: continue
            case .window(let k):
                guard !detected[k] else { continue }
                detected[k] = true
                tally.detectedWindows += 1
                tally.raw += truePositiveWeight(row: row, window: file.windows[k], profile: profile)
            case .outside(let cost):
                tally.falsePositives += 1
                tally.raw += cost
            }
        }
        tally.raw -= profile.falseNegative * Double(file.windows.count - tally.detectedWindows)
        return tally
    }

    /// The threshold that maximises the corpus' raw score (every distinct
    /// score is a candidate), and that score. One sweep over the scores
    /// sorted from high to low: the raw score at threshold t is the null
    /// score plus a change at every score ≥ t (a false positive's cost; for
    /// a window, the change of its earliest detection as t falls past each
    /// new running maximum of its rows).
    package static func optimise(_ files: [NABFile], profile: NABProfile) -> (threshold: Double, raw: Double) {
        var changes: [(at: Double, delta: Double)] = []
        var base = 0.0
        for file in files {
            base -= profile.falseNegative * Double(file.windows.count)
            var runningMax = [Double](repeating: -.infinity, count: file.windows.count)
            var worth = [[(at: Double, value: Double)]](repeating: [], count: file.windows.count)
            for (row, place) in places(file, profile: profile).enumerated() {
                let s = file.scores[row]
                switch place {
                case .probation: continue
                case .outside(let cost): changes.append((s, cost))
                case .window(let k):
                    // Row `row` is the earliest detection for thresholds in (runningMax, s].
                    guard s > runningMax[k] else { continue }
                    runningMax[k] = s
                    worth[k].append((s, truePositiveWeight(row: row, window: file.windows[k], profile: profile)))
                }
            }
            for records in worth {
                for (index, record) in records.enumerated() {
                    let later = index + 1 < records.count ? records[index + 1].value : -profile.falseNegative
                    changes.append((record.at, record.value - later))
                }
            }
        }
        changes.sort { $0.at > $1.at }
        var best = (threshold: Double.infinity, raw: base)
        var raw = base
        var index = 0
        while index < changes.count {
            let threshold = changes[index].at
            while index < changes.count && changes[index].at == threshold {
                raw += changes[index].delta
                index += 1
            }
            if raw > best.raw { best = (threshold, raw) }
        }
        return best
    }
}

/// Event-level detection quality without point adjustment: a run of
/// consecutive detections is one alarm; an alarm is right when it overlaps a
/// labelled window; a window is found when an alarm overlaps it.
package struct EventCounts: Sendable, Equatable {
    package var alarms = 0
    package var trueAlarms = 0
    package var windows = 0
    package var foundWindows = 0

    package init(alarms: Int = 0, trueAlarms: Int = 0, windows: Int = 0, foundWindows: Int = 0) {
        self.alarms = alarms
        self.trueAlarms = trueAlarms
        self.windows = windows
        self.foundWindows = foundWindows
    }

    package init(_ file: NABFile, threshold: Double) {
        windows = file.windows.count
        var found = [Bool](repeating: false, count: file.windows.count)
        var row = file.probation
        while row < file.scores.count {
            guard file.scores[row] >= threshold else {
                row += 1
                continue
            }
            let start = row
            while row < file.scores.count && file.scores[row] >= threshold { row += 1 }
            let alarm = start...(row - 1)
            alarms += 1
            var hit = false
            for (k, window) in file.windows.enumerated() where window.overlaps(alarm) {
                hit = true
                found[k] = true
            }
            if hit { trueAlarms += 1 }
        }
        foundWindows = found.filter { $0 }.count
    }

    package static func + (a: EventCounts, b: EventCounts) -> EventCounts {
        EventCounts(
            alarms: a.alarms + b.alarms, trueAlarms: a.trueAlarms + b.trueAlarms,
            windows: a.windows + b.windows, foundWindows: a.foundWindows + b.foundWindows)
    }

    package var precision: Double { alarms > 0 ? Double(trueAlarms) / Double(alarms) : 0 }
    package var recall: Double { windows > 0 ? Double(foundWindows) / Double(windows) : 0 }
    package var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
}
