/// Reads the selectors operators type: `{host="web01", job=~"api.*", env!="prod"}`. The braces
/// may be left out, a trailing comma is allowed, values are double-quoted with `\"`, `\\` and
/// `\n` as escapes. Anything else is refused with a message that says where and what was expected.
package struct SelectorParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    /// Whether a leading metric name is read as `__name__="metric"` (Prometheus' `metric{...}`).
    private let metricName: Bool

    private init(_ text: String, metricName: Bool) {
        scalars = Array(text.unicodeScalars)
        self.metricName = metricName
    }

    /// The matchers of `text`, which may be empty (`{}`); `[SilenceMatcher].problem` judges whether they make a silence.
    package static func parse(_ text: String) throws(SilenceError) -> [SilenceMatcher] {
        var parser = SelectorParser(text, metricName: false)
        return try parser.selector()
    }

    /// As `parse`, and a metric name before the braces, or alone, as Prometheus writes a series
    /// selector (`api_latency{env="prod"}`, `api_latency`), is the matcher `__name__="api_latency"`.
    /// Silences do not take this form (Alertmanager's matchers have no metric name).
    package static func parseSeriesSelector(_ text: String) throws(SilenceError) -> [SilenceMatcher] {
        var parser = SelectorParser(text, metricName: true)
        return try parser.selector()
    }

    /// A metric name (Prometheus' `[a-zA-Z_:][a-zA-Z0-9_:]*`, and the dots and dashes of a Graphite
    /// path after its first character: `servers.web-1.cpu`) followed by `{` or the end; anything else
    /// (a label name followed by its operator) leaves the position where it was.
    private mutating func leadingMetricName() throws(SilenceError) -> SilenceMatcher? {
        let start = index
        while let c = current,
            c == "_" || c == ":" || (c.isASCII && c.properties.isAlphabetic)
                || (index > start && (("0"..."9").contains(c) || c == "." || c == "-"))
        {
            index += 1
        }
        let end = index
        skipSpaces()
        guard end > start, current == "{" || current == nil else {
            index = start
            return nil
        }
        return try SilenceMatcher(
            name: "__name__", op: .equal, value: String(String.UnicodeScalarView(scalars[start..<end])))
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func skipSpaces() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
    }

    private func failure(_ expected: String) -> SilenceError {
        let found = current.map { "\"\(String($0).debugDescription.dropFirst().dropLast())\"" } ?? "the end"
        return SilenceError("selector: expected \(expected) at character \(index + 1), found \(found)")
    }

    private mutating func selector() throws(SilenceError) -> [SilenceMatcher] {
        skipSpaces()
        var matchers: [SilenceMatcher] = []
        if metricName, let name = try leadingMetricName() {
            matchers.append(name)
            if current == nil { return matchers }
        }
        let braced = current == "{"
        if braced { index += 1 }
        while true {
            skipSpaces()
            if braced && current == "}" { break }
            if !braced && current == nil { break }
            matchers.append(try matcher())
            skipSpaces()
            if current == "," {
                index += 1
                continue
            }
            if braced && current == "}" { break }
            if !braced && current == nil { break }
            throw failure(braced ? "\",\" or \"}\"" : "\",\" or the end")
        }
        if braced { index += 1 }
        skipSpaces()
        guard current == nil else { throw failure("the end, after the closing \"}\"") }
        return matchers
    }

    private mutating func matcher() throws(SilenceError) -> SilenceMatcher {
        let start = index
        while let c = current, c == "_" || (c.isASCII && c.properties.isAlphabetic) || ("0"..."9").contains(c) {
            index += 1
        }
        guard index > start else { throw failure("a label name") }
        let name = String(String.UnicodeScalarView(scalars[start..<index]))
        skipSpaces()
        let op: SilenceMatcher.Operator
        switch (current, index + 1 < scalars.count ? scalars[index + 1] : nil) {
        case ("=", "~"): op = .matchesRegex
        case ("!", "="): op = .notEqual
        case ("!", "~"): op = .notMatchesRegex
        case ("=", _): op = .equal
        default: throw failure("one of = != =~ !~ after \(name)")
        }
        index += op.rawValue.unicodeScalars.count
        skipSpaces()
        guard current == "\"" else {
            throw failure("a double-quoted value after \(name)\(op.rawValue), as in \"web01\"")
        }
        index += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let c = current else { throw failure("the closing quote of the value of \(name)") }
            index += 1
            if c == "\"" { break }
            if c == "\\" {
                switch current {
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                default: throw failure("one of \\\" \\\\ \\n after a backslash in the value of \(name)")
                }
                index += 1
            } else {
                value.append(c)
            }
        }
        return try SilenceMatcher(name: name, op: op, value: String(value))
    }
}
