import RealModule

/// A series that stops changing: a sensor stuck, an exporter repeating its
/// last reading, a counter that stopped. Its prediction errors shrink rather
/// than grow, so no error test sees it.
///
/// Only a series that changed at most of its samples before the run can be
/// stuck: one that is flat by nature, or repeats as often as not, is not.
/// The current run of samples equal to the one before is judged against
/// this series' own runs: the rate at which runs start, and the lengths of
/// the runs that have ended (a `TailEstimator`, so a series that sits still
/// for stretches by nature needs a run longer than those). Until 20 runs
/// have ended, a run is taken to go on with probability one half at each
/// sample.
public struct StuckValue: Sendable, Hashable {
    // The state changes through `observe`; a restored record sets it whole through the memberwise
    // initialiser the compiler writes.
    public internal(set) var run: Int = 0
    public internal(set) var count: Int = 0
    var previous: Double = .nan
    /// Rate of samples that start a run (repeat a value the sample before did not).
    var startRate: Double = 0
    /// Rate of samples that differ from the one before, and its value when the current run began.
    var changeRate: Double = 0
    var changeRateBeforeRun: Double = 0
    var lengths: TailEstimator

    static let timeConstant = 2000.0
    /// Samples before `surprise` answers.
    static let reportsAfter = 30
    /// The share of samples that must have changed before a run for the run to count.
    static let changingSeries = 0.5

    /// `−log10` of the probability of a run as long as the current one
    /// starting (0 when the last sample changed, and until enough samples are in).
    public var surprise: Double {
        guard run > 0, count >= Self.reportsAfter, changeRateBeforeRun >= Self.changingSeries else { return 0 }
        // A series that has never repeated itself still might, once in the samples seen.
        let start = -Double.log10(max(startRate, 1 / Double(min(count, Int(Self.timeConstant)))))
        let length =
            lengths.count >= TailEstimator.reportsAfter
            ? lengths.surprise(Double(run))
            : Double(run - 1) * Double.log10(2)
        return start + length
    }

    /// `learns` false (a silenced series): the run is followed, but neither the rates nor the run
    /// lengths learn from it.
    public mutating func observe(_ value: Double, learns: Bool = true) {
        defer { previous = value }
        guard !previous.isNaN else { return }
        let repeated = value == previous
        guard learns else {
            run = repeated ? run + 1 : 0
            return
        }
        count += 1
        if !repeated && run > 0 { lengths.observe(Double(run)) }
        let starts = repeated && run == 0
        if starts { changeRateBeforeRun = changeRate }
        let weight = max(1 / Double(count), 1 / Self.timeConstant)
        startRate += weight * ((starts ? 1 : 0) - startRate)
        changeRate += weight * ((repeated ? 0 : 1) - changeRate)
        run = repeated ? run + 1 : 0
    }
}

extension StuckValue {
    /// Nothing seen yet. Declared here, outside the type, so that the memberwise initialiser stays.
    public init() {
        self.init(lengths: TailEstimator(timeConstant: Self.timeConstant))
    }
}
