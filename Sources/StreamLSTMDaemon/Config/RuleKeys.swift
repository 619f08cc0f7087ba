import Foundation
import StreamLSTMVocabulary

/// One key of a rule (an item of `rules:`): how it is read and printed, and what it does. The table
/// below is the only list of them: reading, `check-config`'s printout and `check-config --keys`
/// (as `rules[].<name>`) come from it.
package struct RuleKey: Sendable {
    package let name: String
    /// Reads the key (absent: the rule keeps what it has); refusals name `path.name`.
    package let read: @Sendable (inout ConfigReader, inout SeriesRule) throws(ConfigError) -> Void
    /// The value as a YAML scalar or flow mapping; nil when the rule leaves it unset.
    package let print: @Sendable (SeriesRule) -> String?
    /// One line on what the key does.
    package let summary: String
}

extension SeriesRule {
    /// Every key of a rule, in the order `check-config` prints them.
    package static let keys: [RuleKey] = [
        RuleKey(
            name: "match",
            read: { reader, rule throws(ConfigError) in
                guard let raw = reader.raw("match") else {
                    throw ConfigError(key: reader.path, problem: "no match: give a selector, as in {env=\"prod\"}")
                }
                guard let text = raw as? String else {
                    throw ConfigError(key: reader.key("match"), problem: "expected a selector in quotes")
                }
                // An empty selector would match every series unnoticed; {} says so on purpose.
                guard !text.allSatisfy(\.isWhitespace) else {
                    throw ConfigError(
                        key: reader.key("match"), problem: "empty: give a selector, or {} for every series")
                }
                do throws(SilenceError) {
                    rule.matchers = try SelectorParser.parseSeriesSelector(text)
                } catch {
                    throw ConfigError(key: reader.key("match"), problem: error.description)
                }
            },
            print: { YAMLText.quoted($0.matchers.selector) },
            summary: "which series: a Prometheus selector on __name__, the series' labels and series (the key)"),
        RuleKey(
            name: "name",
            read: { reader, rule throws(ConfigError) in
                if reader.raw("name") != nil { rule.name = try reader.string("name", "") }
            },
            print: { $0.name.map(YAMLText.quoted) },
            summary: "what /series calls the rule (default: rules[i])"),
        RuleKey(
            name: "direction",
            read: { reader, rule throws(ConfigError) in
                rule.direction = try reader.choice("direction", rule.direction)
            },
            print: { $0.direction == .both ? nil : $0.direction.rawValue },
            summary: "up: only values above the prediction alert; down: only below; both (default)"),
        RuleKey(
            name: "min_change",
            read: { reader, rule throws(ConfigError) in
                guard let raw = reader.raw("min_change") else { return }
                var change = try ConfigReader(raw, path: reader.key("min_change"))
                for (name, path) in [("absolute", \MinChange.absolute), ("relative", \MinChange.relative)] {
                    guard change.raw(name) != nil else { continue }
                    let value = try change.double(name, 0)
                    guard value >= 0, value.isFinite else {
                        throw ConfigError(key: change.key(name), problem: "\(ConfigNumber.text(value)) must be >= 0")
                    }
                    rule.minChange[keyPath: path] = value
                }
                try change.finish()
            },
            print: { rule in
                let parts = [("absolute", rule.minChange.absolute), ("relative", rule.minChange.relative)]
                    .compactMap { name, value in value.map { "\(name): \(ConfigNumber.text($0))" } }
                return parts.isEmpty ? nil : "{\(parts.joined(separator: ", "))}"
            },
            summary: "{absolute: A, relative: R}: no alert for a deviation below A, or below R x |predicted|"),
        threshold("fire_threshold", \.fireThreshold, "score that starts an alert of these series"),
        threshold(
            "critical_threshold", \.criticalThreshold, "score that makes it critical (>= the fire threshold)"),
        RuleKey(
            name: "absent",
            read: { reader, rule throws(ConfigError) in
                switch reader.raw("absent") {
                case nil: break
                case let on as Bool: rule.absent = on ? .on : .off
                case let multiple as Double where multiple >= 1 && multiple.isFinite:
                    rule.absent = .after(multiple: multiple)
                case let multiple as Int where multiple >= 1: rule.absent = .after(multiple: Double(multiple))
                case let other?:
                    throw ConfigError(
                        key: reader.key("absent"),
                        problem: "expected on, off or a multiple of the series' interval >= 1, got \(other)")
                }
            },
            print: { rule in
                switch rule.absent {
                case .inherit: nil
                case .on: "on"
                case .off: "off"
                case .after(let multiple): ConfigNumber.text(multiple)
                }
            },
            summary: "on, off, or a multiple of the series' interval: whether a series gone quiet alerts"),
        RuleKey(
            name: "training",
            read: { reader, rule throws(ConfigError) in
                if reader.raw("training") != nil { rule.training = try reader.bool("training", true) }
            },
            print: { $0.training.map { $0 ? "on" : "off" } },
            summary: "off: these series' models do not learn (default: as training.enabled)"),
        RuleKey(
            name: "severity",
            read: { reader, rule throws(ConfigError) in
                // Absent: alerts take their severity from the score; present, the fallback is never taken.
                guard reader.raw("severity") != nil else { return }
                rule.severity = try reader.choice("severity", Severity.critical)
            },
            print: { $0.severity?.rawValue },
            summary: "every alert of these series at this severity (warning or critical), whatever its score"),
        RuleKey(
            name: "labels",
            read: { reader, rule throws(ConfigError) in
                guard let raw = reader.raw("labels") else { return }
                guard let mapping = raw as? [String: Any] else {
                    throw ConfigError(key: reader.key("labels"), problem: "expected a mapping of label names to values")
                }
                for (name, value) in mapping {
                    let key = "\(reader.key("labels")).\(name)"
                    guard SilenceMatcher.isLabelName(name), !name.hasPrefix("__") else {
                        throw ConfigError(
                            key: key,
                            problem: "not a label name: letters, digits and _, not starting with a digit or __")
                    }
                    guard !SeriesIdentity.reservedLabelNames.contains(name) else {
                        throw ConfigError(
                            key: key,
                            problem:
                                "a label of the daemon's own (\(SeriesIdentity.reservedLabelNames.sorted().joined(separator: ", "))) "
                                + "cannot be set by a rule\(name == "severity" ? ": use the rule's severity key" : "")")
                    }
                    switch value {
                    case let text as String: rule.labels[name] = text
                    case let number as Int: rule.labels[name] = "\(number)"
                    case let number as Double: rule.labels[name] = ConfigNumber.text(number)
                    default: throw ConfigError(key: key, problem: "expected a string")
                    }
                }
            },
            print: { rule in
                rule.labels.isEmpty
                    ? nil
                    : "{\(rule.labels.sorted { $0.key < $1.key }.map { "\($0.key): \(YAMLText.quoted($0.value))" }.joined(separator: ", "))}"
            },
            summary: "labels added to these series' alerts (ZeroMQ and Alertmanager), for routing"),
    ]

    private static func threshold(
        _ name: String, _ path: WritableKeyPath<SeriesRule, Double?> & Sendable, _ summary: String
    ) -> RuleKey {
        RuleKey(
            name: name,
            read: { reader, rule throws(ConfigError) in
                guard reader.raw(name) != nil else { return }
                let value = try reader.double(name, 0)
                guard value > 0 && value <= 1 else {
                    throw ConfigError(key: reader.key(name), problem: "\(ConfigNumber.text(value)) is outside (0, 1]")
                }
                rule[keyPath: path] = value
            },
            print: { $0[keyPath: path].map(ConfigNumber.text) },
            summary: summary)
    }

    /// A rule as an item of `rules:` (`path`: `rules[2]`), every key known.
    package static func read(_ item: Any, path: String) throws(ConfigError) -> SeriesRule {
        var reader = try ConfigReader(item, path: path)
        var rule = SeriesRule(matchers: [])
        for key in keys { try key.read(&reader, &rule) }
        try reader.finish()
        return rule
    }

    /// This rule as a YAML flow mapping, the keys it sets only.
    package var yaml: String {
        "{" + Self.keys.compactMap { key in key.print(self).map { "\(key.name): \($0)" } }.joined(separator: ", ") + "}"
    }
}

extension SeriesRules {
    /// `rules:` of a configuration: a list of rules, each refused naming its place (`rules[2].direction`).
    package static func read(_ raw: Any?) throws(ConfigError) -> SeriesRules {
        switch raw {
        case nil, is NSNull: return SeriesRules()
        case let items as [Any]:
            var rules: [SeriesRule] = []
            for (index, item) in items.enumerated() { rules.append(try SeriesRule.read(item, path: "rules[\(index)]")) }
            return SeriesRules(rules)
        case is [String: Any]:
            throw ConfigError(key: "rules", problem: "expected a list of rules (- match: ...), got a mapping")
        case let other?:
            throw ConfigError(key: "rules", problem: "expected a list of rules (- match: ...), got \(other)")
        }
    }

    /// The list as YAML, one rule a line: `[]`, or a flow sequence.
    package var yaml: String {
        rules.isEmpty ? "[]" : "[\n" + rules.map { "    \($0.yaml)" }.joined(separator: ",\n") + "\n  ]"
    }

    /// What is wrong with the rules beside the daemon's alert settings, naming the rule and key.
    package func problem(over alerts: AlertRules) -> ConfigError? {
        for (index, rule) in rules.enumerated() {
            let fire = rule.fireThreshold ?? alerts.fireThreshold
            let critical = rule.criticalThreshold ?? alerts.criticalThreshold
            if rule.severity != nil && rule.criticalThreshold != nil {
                return ConfigError(
                    key: "rules[\(index)].severity", problem: "give severity or critical_threshold, not both")
            }
            if rule.severity == nil && critical < fire {
                let which = rule.criticalThreshold == nil ? "alerts.critical_threshold" : "critical_threshold"
                return ConfigError(
                    key: "rules[\(index)].\(rule.criticalThreshold == nil ? "fire_threshold" : "critical_threshold")",
                    problem: "the fire threshold \(ConfigNumber.text(fire)) is above \(which) "
                        + "(\(ConfigNumber.text(critical))): give critical_threshold >= fire_threshold")
            }
        }
        return nil
    }
}
