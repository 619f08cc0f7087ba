/// One value of one series, as parsed from a payload.
package struct Sample: Sendable, Equatable {
    /// Canonical series key, `name{k="v",...}` with labels sorted by name.
    package let key: String
    /// Stable 64-bit hash of `key`: decides the shard and names checkpoint records.
    package let fingerprint: UInt64
    /// Unix time in seconds.
    package let timestamp: Double
    package let value: Double

    package init(key: String, timestamp: Double, value: Double) {
        self.key = key
        fingerprint = SeriesKey.fingerprint(key)
        self.timestamp = timestamp
        self.value = value
    }
}

/// Why input was dropped. Each reason is counted separately.
package enum RejectReason: Int, CaseIterable, Sendable {
    /// A line or object that does not parse in its format.
    case unparseable
    /// A NaN or infinite value.
    case nonFiniteValue
    /// A value beyond ±1e100 (`SampleChecks.largestValue`).
    case valueOutOfRange
    /// A timestamp that does not parse, or lies outside 1900-2200 (`SampleChecks`).
    case badTimestamp
    /// A series key longer than the limit.
    case keyTooLong
    /// A message larger than the limit.
    case oversizedMessage
    /// A timestamp older than the series' last one, where the input drops those.
    case outOfOrder
    /// A new series past the series cap.
    case seriesLimit
    /// A series name or label names that make no unambiguous key (`SeriesKey.make`).
    case badName
    /// A new series past the memory budget (`max_memory`).
    case memoryLimit

    /// The label value in metrics and logs.
    package var name: String {
        switch self {
        case .unparseable: "unparseable"
        case .nonFiniteValue: "non_finite_value"
        case .valueOutOfRange: "value_out_of_range"
        case .badTimestamp: "bad_timestamp"
        case .keyTooLong: "key_too_long"
        case .oversizedMessage: "oversized_message"
        case .outOfOrder: "out_of_order"
        case .seriesLimit: "series_limit"
        case .badName: "bad_name"
        case .memoryLimit: "memory_limit"
        }
    }
}

/// Counts of rejected input by reason, and the first problem seen in words
/// (for a log line that shows what was wrong without logging every line).
package struct Rejections: Equatable, Sendable {
    package init() {}

    package private(set) var counts = [Int](repeating: 0, count: RejectReason.allCases.count)
    /// The first problem of each reason (a log line about one reason shows an example of that reason).
    private var problems = [String?](repeating: nil, count: RejectReason.allCases.count)
    /// The first problem of all.
    package private(set) var firstProblem: String?

    package subscript(reason: RejectReason) -> Int { counts[reason.rawValue] }

    package var total: Int { counts.reduce(0, +) }

    /// The first problem of `reason`, if any.
    package func firstProblem(of reason: RejectReason) -> String? { problems[reason.rawValue] }

    package mutating func add(_ reason: RejectReason, _ problem: @autoclosure () -> String) {
        counts[reason.rawValue] += 1
        guard problems[reason.rawValue] == nil else { return }
        let text = problem()
        problems[reason.rawValue] = text
        if firstProblem == nil { firstProblem = text }
    }

    package mutating func merge(_ other: Rejections) {
        for i in counts.indices {
            counts[i] += other.counts[i]
            if problems[i] == nil { problems[i] = other.problems[i] }
        }
        if firstProblem == nil { firstProblem = other.firstProblem }
    }

    package mutating func removeAll() {
        guard firstProblem != nil else { return }  // nothing added since the last time
        for i in counts.indices {
            counts[i] = 0
            problems[i] = nil
        }
        firstProblem = nil
    }
}

/// What parsing one payload produced. Reused from message to message.
package struct ParseResult: Sendable {
    package init(samples: [Sample] = [], rejections: Rejections = Rejections()) {
        self.samples = samples
        self.rejections = rejections
    }

    package var samples: [Sample] = []
    package var rejections = Rejections()

    package mutating func removeAll() {
        samples.removeAll(keepingCapacity: true)
        rejections.removeAll()
    }
}
