import Foundation

/// Why a silence, a matcher or a request about one was refused: one line that names the part at fault.
package struct SilenceError: Error, Equatable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// One condition of a silence on one label, as Alertmanager has it: `name="value"`, `name!="value"`,
/// `name=~"regex"` or `name!~"regex"`. A label the set lacks counts as the empty string, and a
/// regular expression must match the whole value (Alertmanager compiles `^(?:re)$`).
///
/// Alertmanager's expressions are Go's (RE2); these are ICU's. They agree on the syntax
/// silences use (classes, alternation, repetition, `(?i)`); what RE2 refuses (look-around,
/// back-references) Alertmanager never sends, and a local silence may use.
package struct SilenceMatcher: Sendable, Equatable, CustomStringConvertible {
    package enum Operator: String, Sendable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case matchesRegex = "=~"
        case notMatchesRegex = "!~"

        package var isRegex: Bool { self == .matchesRegex || self == .notMatchesRegex }
        package var isEqual: Bool { self == .equal || self == .matchesRegex }

        package init(isRegex: Bool, isEqual: Bool) {
            switch (isRegex, isEqual) {
            case (false, true): self = .equal
            case (false, false): self = .notEqual
            case (true, true): self = .matchesRegex
            case (true, false): self = .notMatchesRegex
            }
        }
    }

    package let name: String
    package let value: String
    package let op: Operator
    /// Compiled once, for regex matchers only.
    private let regex: CompiledRegex?

    package var isRegex: Bool { op.isRegex }
    package var isEqual: Bool { op.isEqual }

    /// Refuses a name that is not a label name and a regular expression that does not compile.
    package init(name: String, op: Operator, value: String) throws(SilenceError) {
        guard Self.isLabelName(name) else {
            throw SilenceError(
                "\"\(name)\" is not a label name: letters, digits and _, not starting with a digit")
        }
        self.name = name
        self.value = value
        self.op = op
        if op.isRegex {
            do {
                // `\A` and `\z` rather than `^` and `$`: ICU's `$` also matches before a final line break.
                regex = CompiledRegex(try NSRegularExpression(pattern: "\\A(?:" + value + ")\\z"))
            } catch {
                throw SilenceError("\(name)\(op.rawValue)\"\(value)\": not a valid regular expression")
            }
        } else {
            regex = nil
        }
    }

    package init(name: String, value: String, isRegex: Bool, isEqual: Bool) throws(SilenceError) {
        try self.init(name: name, op: Operator(isRegex: isRegex, isEqual: isEqual), value: value)
    }

    package static func == (a: SilenceMatcher, b: SilenceMatcher) -> Bool {
        a.name == b.name && a.value == b.value && a.op == b.op
    }

    /// Whether a label with this value (the empty string for a label the set lacks) satisfies it.
    package func matches(_ labelValue: String) -> Bool {
        switch op {
        case .equal: labelValue == value
        case .notEqual: labelValue != value
        case .matchesRegex: regex!.matchesWhole(labelValue)
        case .notMatchesRegex: !regex!.matchesWhole(labelValue)
        }
    }

    /// Whether the label set satisfies it (a missing label is the empty string).
    package func matches(_ labels: [(name: String, value: String)]) -> Bool {
        matches(labels.first { $0.name == name }?.value ?? "")
    }

    /// As an operator types it: `host="web01"`, the value quoted with `\"`, `\\` and `\n` escaped.
    package var description: String {
        var quoted = "\""
        for character in value {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            default: quoted.append(character)
            }
        }
        return name + op.rawValue + quoted + "\""
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, Prometheus's label names.
    package static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 95
        }
    }

    /// A compiled expression; NSRegularExpression is immutable once made and safe to share between threads.
    private struct CompiledRegex: @unchecked Sendable {
        package let expression: NSRegularExpression
        package init(_ expression: NSRegularExpression) { self.expression = expression }

        package func matchesWhole(_ text: String) -> Bool {
            let string = text as NSString
            return expression.firstMatch(in: text, options: [], range: NSRange(location: 0, length: string.length))
                != nil
        }
    }
}

/// A silence's matchers as a whole.
extension [SilenceMatcher] {
    /// `{host="web01", job=~"api.*"}`.
    package var selector: String { "{" + map(\.description).joined(separator: ", ") + "}" }

    /// Whether every matcher holds for the label set.
    package func matches(_ labels: [(name: String, value: String)]) -> Bool {
        allSatisfy { $0.matches(labels) }
    }

    /// Alertmanager's rule for a new silence: at least one matcher, and at least one that a
    /// missing label does not satisfy; otherwise the silence would hold every series that lacks
    /// a label (`{x=""}`, `{host!="web01"}`), which is every series or nearly.
    package var problem: SilenceError? {
        if isEmpty { return SilenceError("no matchers: name at least one label, as in {host=\"web01\"}") }
        if allSatisfy({ $0.matches("") }) {
            return SilenceError(
                "\(selector) matches series that lack those labels, nearly every series: "
                    + "at least one matcher must need a non-empty value, as in host=\"web01\" or job=~\".+\"")
        }
        return nil
    }
}
