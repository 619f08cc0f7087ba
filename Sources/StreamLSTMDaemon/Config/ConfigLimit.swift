/// The values a numeric key takes on its own, and the sentence that refuses any other: the value
/// as it was written, then the bound, so that `model.hidden_size: 0 is outside 1...1024` needs no
/// manual to read.
package struct Limit<Value: Sendable>: Sendable {
    /// nil for an allowed value, else why it is not.
    package let problem: @Sendable (Value) -> String?
}

extension Limit where Value == Int {
    package static func within(_ range: ClosedRange<Int>) -> Limit {
        Limit { range.contains($0) ? nil : "\($0) is outside \(range.lowerBound)...\(range.upperBound)" }
    }

    /// `unit`: what the number counts, or a note in brackets, after the bound.
    package static func atLeast(_ bound: Int, _ unit: String = "") -> Limit {
        Limit { $0 >= bound ? nil : "\($0) must be >= \(bound)\(unit.isEmpty ? "" : " \(unit)")" }
    }
}

extension Limit where Value == Double {
    package static func within(_ range: ClosedRange<Double>) -> Limit {
        Limit {
            range.contains($0)
                ? nil
                : "\(ConfigNumber.text($0)) is outside \(ConfigNumber.text(range.lowerBound))...\(ConfigNumber.text(range.upperBound))"
        }
    }

    /// In [`bound`, `end`).
    package static func from(_ bound: Double, below end: Double) -> Limit {
        Limit {
            $0 >= bound && $0 < end
                ? nil : "\(ConfigNumber.text($0)) is outside [\(ConfigNumber.text(bound)), \(ConfigNumber.text(end)))"
        }
    }

    /// In (`bound`, `end`].
    package static func above(_ bound: Double, upTo end: Double) -> Limit {
        Limit {
            $0 > bound && $0 <= end
                ? nil : "\(ConfigNumber.text($0)) is outside (\(ConfigNumber.text(bound)), \(ConfigNumber.text(end))]"
        }
    }

    package static func atLeast(_ bound: Double, _ unit: String = "") -> Limit {
        Limit {
            $0 >= bound
                ? nil
                : "\(ConfigNumber.text($0)) must be >= \(ConfigNumber.text(bound))\(unit.isEmpty ? "" : " \(unit)")"
        }
    }

    package static func above(_ bound: Double, _ unit: String = "") -> Limit {
        Limit {
            $0 > bound
                ? nil
                : "\(ConfigNumber.text($0)) must be > \(ConfigNumber.text(bound))\(unit.isEmpty ? "" : " \(unit)")"
        }
    }

    /// A number (not NaN) up to `bound`.
    package static func atMost(_ bound: Double, _ unit: String = "") -> Limit {
        Limit {
            $0 <= bound
                ? nil
                : "\(ConfigNumber.text($0)) must be <= \(ConfigNumber.text(bound))\(unit.isEmpty ? "" : " \(unit)")"
        }
    }
}

/// Numbers in configuration messages as people write them: `3`, not `3.0`.
package enum ConfigNumber {
    package static func text(_ value: Double) -> String {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }
}
