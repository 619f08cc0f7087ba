import Foundation

/// Why a configuration was refused: the key, as a dotted path, and what is wrong with it.
package struct ConfigError: Error, Equatable, CustomStringConvertible {
    package init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    package let key: String
    package let problem: String

    package var description: String { key.isEmpty ? problem : "\(key): \(problem)" }
}

/// Reads one mapping of a parsed YAML document strictly: every key it does
/// not ask for is an error (a misspelt key must not be silently ignored),
/// and every value must have the type asked for.
package struct ConfigReader {
    package let path: String
    private let values: [String: Any]
    private var used: Set<String> = []

    package init(_ value: Any?, path: String) throws(ConfigError) {
        self.path = path
        switch value {
        case nil, is NSNull: values = [:]
        case let mapping as [String: Any]: values = mapping
        default: throw ConfigError(key: path, problem: "expected a mapping of keys to values")
        }
    }

    package func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    package mutating func raw(_ name: String) -> Any? {
        used.insert(name)
        return values[name]
    }

    package mutating func double(_ name: String, _ fallback: Double) throws(ConfigError) -> Double {
        try scalar(name, fallback, expected: "a number") { ($0 as? Double) ?? ($0 as? Int).map(Double.init) }
    }

    package mutating func int(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
        try scalar(name, fallback, expected: "a whole number") { $0 as? Int }
    }

    package mutating func bool(_ name: String, _ fallback: Bool) throws(ConfigError) -> Bool {
        try scalar(name, fallback, expected: "true or false") { $0 as? Bool }
    }

    package mutating func string(_ name: String, _ fallback: String) throws(ConfigError) -> String {
        try scalar(name, fallback, expected: "a string") { $0 as? String }
    }

    /// The value of `name` as `convert` takes it, `fallback` when it is absent, and a refusal naming
    /// the key and what was `expected` when it is of another type.
    private mutating func scalar<Value>(
        _ name: String, _ fallback: Value, expected: String, _ convert: (Any) -> Value?
    ) throws(ConfigError) -> Value {
        guard let raw = raw(name) else { return fallback }
        guard let value = convert(raw) else {
            throw ConfigError(key: key(name), problem: "expected \(expected), got \(describe(raw))")
        }
        return value
    }

    /// A string that must name one of `T`'s cases; a refusal lists them all.
    package mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ fallback: T) throws(ConfigError)
        -> T
    where T.RawValue == String {
        let text = try string(name, fallback.rawValue)
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue)
            let allowed =
                names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
            throw ConfigError(key: key(name), problem: "expected \(allowed), got \"\(text)\"")
        }
        return value
    }

    /// A list of strings; a single string is taken as a list of one.
    package mutating func strings(_ name: String, _ fallback: [String]) throws(ConfigError) -> [String] {
        switch raw(name) {
        case nil: return fallback
        case let value as String: return [value]
        case let list as [Any]:
            var strings: [String] = []
            for (index, item) in list.enumerated() {
                guard let text = item as? String else {
                    throw ConfigError(
                        key: "\(key(name))[\(index)]", problem: "expected a string, got \(describe(item))")
                }
                strings.append(text)
            }
            return strings
        case let other?:
            throw ConfigError(key: key(name), problem: "expected a list of strings, got \(describe(other))")
        }
    }

    /// Refuses the keys nobody asked for.
    package func finish() throws(ConfigError) {
        if let unknown = Set(values.keys).subtracting(used).sorted().first {
            throw ConfigError(key: key(unknown), problem: "unknown key")
        }
    }

    private func describe(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        if value is [Any] { return "a list" }
        if value is [String: Any] { return "a mapping" }
        return "\(value)"
    }
}
