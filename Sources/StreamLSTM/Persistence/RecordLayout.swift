/// What a predictor record of one format version holds: version 3 narrowed the weights and moments to
/// 16 bits, and each later version added a piece of state, which a record of an earlier version is read
/// without (the piece starts as the earlier release had it, or as close to that as the record allows).
struct RecordLayout: Sendable, Hashable {
    /// The oldest version still read: 32-bit weights and moments, which are narrowed on reading.
    static let oldest: UInt16 = 2
    /// The version written.
    static let newest: UInt16 = 8

    let version: UInt16

    /// Weights and Adam moments in the 16 bits a series holds them in (version 3 on).
    var halves: Bool { version >= 3 }
    /// The scorer's incident and `incidentWorth` (version 4 on); before, a series was in none, and the
    /// setting was 0.
    var incident: Bool { version >= 4 }
    /// The sensitivity gains that users' verdicts set (version 5 on); before, there were none.
    var gains: Bool { version >= 5 }
    /// The recent range and its margin (version 6 on); before, the range starts empty.
    var recentRange: Bool { version >= 6 }
    /// The level's clipped spread, which weighs the time-of-day test (version 7 on); before, it starts
    /// at the unclipped one.
    var clippedSpread: Bool { version >= 7 }
    /// The spike test's fits of fractions below the forecast (version 8 on); before, they start empty.
    var relativeDrop: Bool { version >= 8 }
}
