import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The rules of a configuration, read as a file gives them (`yaml`: the list under `rules:`).
func configuredRules(_ yaml: String) throws -> SeriesRules {
    try DaemonConfig.load(yaml: "rules:\n" + yaml).engine.rules
}

@Suite("Rules: selectors, matching and reading")
struct RuleReadingTests {
    @Test(
        "A series selector takes Prometheus' metric{...} form; silences still refuse it",
        arguments: [
            (#"api_latency{env="prod"}"#, #"{__name__="api_latency", env="prod"}"#),
            ("api_latency", #"{__name__="api_latency"}"#),
            // A Graphite path is a metric name here (series keys are often one).
            (#"servers.web-1.cpu{dc="x"}"#, #"{__name__="servers.web-1.cpu", dc="x"}"#),
            ("restart.cpu", #"{__name__="restart.cpu"}"#),
            (#"  job:rate5m { env =~ "p.*" , } "#, #"{__name__="job:rate5m", env=~"p.*"}"#),
            (#"{__name__=~"api_.*", env!="dev"}"#, #"{__name__=~"api_.*", env!="dev"}"#),
            (#"env="prod""#, #"{env="prod"}"#),
            ("{}", "{}"),
        ])
    func seriesSelectors(text: String, selector: String) throws {
        #expect(try SelectorParser.parseSeriesSelector(text).selector == selector)
    }

    @Test("Silences do not take a metric name")
    func silencesRefuseMetricNames() {
        #expect(throws: SilenceError.self) { try SelectorParser.parse(#"api_latency{env="prod"}"#) }
        #expect(throws: SilenceError.self) { try SelectorParser.parse("api_latency") }
    }

    @Test(
        "A bad selector is refused with the character where it went wrong",
        arguments: [
            (
                #"api_latency{env=prod}"#,
                #"selector: expected a double-quoted value after env=, as in "web01" at character 17, found "p""#
            ),
            ("api latency", #"selector: expected one of = != =~ !~ after api at character 5, found "l""#),
            (#"lat{env="a"} x"#, #"selector: expected the end, after the closing "}" at character 14, found "x""#),
            (#"9lat{}"#, #"selector: expected one of = != =~ !~ after 9lat at character 5, found "{""#),
        ])
    func selectorErrors(text: String, message: String) {
        #expect {
            try SelectorParser.parseSeriesSelector(text)
        } throws: { error in
            (error as? SilenceError)?.description == message
        }
    }

    @Test("The first rule that matches wins; a rule sees __name__, the series' labels and series, the whole key")
    func firstMatchWins() throws {
        let list = try configuredRules(
            """
              - match: 'api_latency{env="prod"}'
                name: prod
              - match: '{__name__=~"api_.*"}'
              - match: '{series="db_load{host=\\"a\\"}"}'
                name: one-series
            """)
        func rule(_ key: String) -> String? { list.firstMatch(for: SeriesIdentity(key: key))?.name }
        #expect(rule(#"api_latency{env="prod",host="a"}"#) == "prod")
        #expect(rule(#"api_latency{env="dev"}"#) == "rules[1]")
        #expect(rule("api_errors") == "rules[1]")
        #expect(rule(#"db_load{host="a"}"#) == "one-series")
        #expect(rule(#"db_load{host="b"}"#) == nil)
        #expect(rule("latency") == nil)
    }

    @Test(
        "A bad rule is refused naming its place and key",
        arguments: [
            (
                "  - match: '{env=prod}'",
                #"rules[0].match: selector: expected a double-quoted value after env=, as in "web01" at character 6, found "p""#
            ),
            (
                "  - match: x\n  - match: y\n    direction: sideways",
                #"rules[1].direction: expected up, down or both, got "sideways""#
            ),
            ("  - match: x\n    colour: red", "rules[0].colour: unknown key"),
            ("  - direction: up", #"rules[0]: no match: give a selector, as in {env="prod"}"#),
            ("  - match: x\n    min_change: {absolute: -1}", "rules[0].min_change.absolute: -1 must be >= 0"),
            ("  - match: x\n    min_change: {percent: 5}", "rules[0].min_change.percent: unknown key"),
            ("  - match: x\n    fire_threshold: 1.5", "rules[0].fire_threshold: 1.5 is outside (0, 1]"),
            (
                "  - match: x\n    fire_threshold: 0.9",
                "rules[0].fire_threshold: the fire threshold 0.9 is above alerts.critical_threshold (0.8): give critical_threshold >= fire_threshold"
            ),
            (
                "  - match: x\n    fire_threshold: 0.6\n    critical_threshold: 0.55",
                "rules[0].critical_threshold: the fire threshold 0.6 is above critical_threshold (0.55): give critical_threshold >= fire_threshold"
            ),
            (
                "  - match: x\n    severity: critical\n    critical_threshold: 0.9",
                "rules[0].severity: give severity or critical_threshold, not both"
            ),
            ("  - match: x\n    severity: page", #"rules[0].severity: expected warning or critical, got "page""#),
            (
                "  - match: x\n    absent: -2",
                "rules[0].absent: expected on, off or a multiple of the series' interval >= 1, got -2"
            ),
            ("  - match: x\n    training: sometimes", #"rules[0].training: expected true or false, got "sometimes""#),
            (
                "  - match: x\n    labels: {instance: other}",
                "rules[0].labels.instance: a label of the daemon's own (alertname, instance, metric, series, severity) cannot be set by a rule"
            ),
            (
                "  - match: x\n    labels: {\"team-a\": x}",
                "rules[0].labels.team-a: not a label name: letters, digits and _, not starting with a digit or __"
            ),
            ("  {match: x}", "rules: expected a list of rules (- match: ...), got a mapping"),
            ("  - match: '  '", "rules[0].match: empty: give a selector, or {} for every series"),
        ])
    func refusals(yaml: String, message: String) {
        #expect {
            try configuredRules(yaml)
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }

    @Test("Every key of a rule is read, printed back by check-config, and reads back to itself")
    func printedReadsBack() throws {
        let config = try DaemonConfig.load(
            yaml: """
                rules:
                  - match: 'api_latency{env="prod"}'
                    name: prod
                    direction: up
                    min_change: {absolute: 5, relative: 0.25}
                    fire_threshold: 0.6
                    critical_threshold: 0.9
                    absent: 3
                    training: off
                    labels: {team: web, tier: 2}
                  - match: '{}'
                    direction: down
                    absent: off
                    severity: warning
                """)
        let first = try #require(config.engine.rules.rules.first)
        #expect(first.name == "prod" && first.direction == .up)
        #expect(first.matchers.selector == #"{__name__="api_latency", env="prod"}"#)
        #expect(first.minChange == SeriesRule.MinChange(absolute: 5, relative: 0.25))
        #expect(first.fireThreshold == 0.6 && first.criticalThreshold == 0.9 && first.severity == nil)
        #expect(first.absent == .after(multiple: 3) && first.training == false)
        #expect(first.labels == ["team": "web", "tier": "2"])
        let second = config.engine.rules.rules[1]
        #expect(second.matchers.isEmpty && second.absent == .off && second.severity == .warning)
        #expect(second.training == nil && second.fireThreshold == nil && second.minChange.isNone)
        let again = try DaemonConfig.load(yaml: config.yaml)
        #expect(again.engine.rules == config.engine.rules)
        #expect(again.yaml == config.yaml)
        #expect(DaemonConfig().yaml.contains("\nrules: []\n"))
    }

    @Test("The example in deploy/ has a commented rules section that sets every key of a rule, and loads")
    func exampleSetsEveryRuleKey() throws {
        let text = try String(contentsOf: ConfigTests.exampleFile, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "# rules:"))
        let block = lines[start...].prefix { $0.hasPrefix("#") }.map { $0.dropFirst($0.hasPrefix("# ") ? 2 : 1) }
        let config = try DaemonConfig.load(yaml: block.joined(separator: "\n"))
        let example = config.engine.rules.rules
        #expect(example.count == 2)
        for key in SeriesRule.keys {
            #expect(example.contains { rule in key.print(rule) != nil }, "the example sets no \(key.name)")
        }
        let listing = try BuiltBinary.run(["check-config", "--keys"])
        for key in SeriesRule.keys {
            let line = listing.standardOutput.split(separator: "\n").first { $0.hasPrefix("rules[].\(key.name) ") }
            #expect(line?.contains(" live ") == true && line?.hasSuffix(key.summary) == true, "\(key.name)")
        }
    }

    @Test("Random edits of a rules section are read or refused naming rules or the YAML, never anything else")
    func fuzzRules() {
        let valid = """
            rules:
              - match: 'api_latency{env="prod", host=~"web.*"}'
                direction: up
                min_change: {absolute: 5, relative: 0.1}
                fire_threshold: 0.6
                labels: {team: web}
              - match: '{__name__!~"db_.*"}'
                severity: critical
                absent: 2.5
            """
        var rng = SplitMix64(seed: 17)
        let alphabet = Array(#"{}[]"'=~!,:. -_a9\#n"#)
        var read = 0
        var refused = 0
        for _ in 0..<2000 {
            var characters = Array(valid)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(characters.count))
                switch rng.next() % 3 {
                case 0: characters.remove(at: at)
                case 1: characters.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: characters[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
            }
            do {
                let config = try DaemonConfig.load(yaml: String(characters))
                read += 1
                // Whatever was read prints as a configuration that reads back to the same rules.
                #expect(try DaemonConfig.load(yaml: config.yaml).engine.rules == config.engine.rules)
            } catch {
                refused += 1
                #expect(
                    // An edit that moves a rule's key out of the list makes it an unknown key of the file.
                    error.key.isEmpty || error.key.hasPrefix("rules") || error.problem == "unknown key",
                    "\(error)")
            }
        }
        #expect(read > 100 && refused > 100, "read \(read), refused \(refused)")
    }

    @Test("A silence on a rule's label holds for the series the rule matches, and no longer once a reload drops it")
    func silencesSeeRuleLabels() throws {
        let config = PredictorConfig()
        let network = Network(inputSize: config.inputSize, model: config.model)
        let series = SeriesState(
            identity: SeriesIdentity(key: #"api{host="a"}"#), config: config,
            prior: Predictor.initialWeights(network, seed: config.seed))
        let silence = Silence(
            id: "s1", matchers: try SelectorParser.parse(#"{team="web"}"#), startsAt: 0, endsAt: 10,
            comment: "", createdBy: "test", source: .local)
        let active = ActiveSilences(generation: 1, silences: [silence], pauseLearning: true)
        series.consult(active, instance: "i")
        #expect(series.silence == nil)
        series.consult(rules: try configuredRules("  - match: api\n    labels: {team: web}"), generation: 1)
        series.consult(active, instance: "i")
        #expect(series.silence?.id == "s1" && series.rule?.name == "rules[0]")
        series.consult(rules: try configuredRules("  - match: api\n    direction: up"), generation: 2)
        series.consult(active, instance: "i")
        #expect(series.silence == nil && series.rule?.rule.direction == .up)
        // The same generation again: not matched again, whatever the list says.
        series.consult(rules: SeriesRules(), generation: 2)
        #expect(series.rule != nil)
    }

    @Test("Live settings give rules a new generation when they change, and only then")
    func generations() throws {
        let box = LiveSettingsBox(LiveSettings(EngineConfig()))
        #expect(box.current.rulesGeneration == 0)
        var settings = box.current
        settings.alerts.fireThreshold = 0.6
        box.set(settings)
        #expect(box.current.rulesGeneration == 0)
        settings.rules = try configuredRules("  - match: x\n    direction: up")
        box.set(settings)
        #expect(box.current.rulesGeneration == 1)
        box.set(settings)
        #expect(box.current.rulesGeneration == 1)
    }
}

@Suite("Rules: what they do to a series' alerts")
struct RuleEffectTests {
    static func engine(rules yaml: String, training: Bool = false) throws -> EngineHarness {
        var config = try DaemonConfig.load(yaml: "rules:\n" + yaml).engine
        config.shards = 1
        config.training = training
        return EngineHarness(config: config)
    }

    /// 1000 samples of a noisy sine around `level` with `changes` added at their indices.
    static func shape(level: Double, amplitude: Double, noise: Double, changes: [Int: Double]) -> [Double] {
        var rng = SplitMix64(seed: 5)
        return (0..<1000).map { t in
            level + amplitude * sin(Double(t) / 4) + noise * rng.gaussian() + (changes[t] ?? 0)
        }
    }

    /// The sample indices where `key` paged: a new alert fired (no re-sends, no escalations).
    static func pages(_ harness: EngineHarness, _ key: String) -> [Int] {
        let firing = harness.raised.filter { $0.seriesKey == key && $0.status == .firing && !$0.isResend }
        return firing.map { Int(($0.sampleTime - 1_700_000_000) / 60) }.reduce(into: []) { pages, index in
            if pages.last != index { pages.append(index) }
        }
    }

    @Test("direction: up keeps a drop quiet and lets a rise page, where the same series without a rule pages on both")
    func directionUp() throws {
        let harness = try Self.engine(
            rules: "  - match: 'latency{rule=\"up\"}'\n    direction: up\n    name: rises-only")
        let values = Self.shape(level: 50, amplitude: 10, noise: 0.5, changes: [600: 400, 800: -400])
        _ = try harness.feed(#"latency{rule="up"}"#, values)
        let ruledScores = harness.scores
        _ = try harness.feed(#"latency{rule="none"}"#, values)
        #expect(Self.pages(harness, #"latency{rule="none"}"#) == [600, 800])
        #expect(Self.pages(harness, #"latency{rule="up"}"#) == [600])
        // The drop surprised the scorer just as much: the rule, not the model, kept it quiet.
        #expect(ruledScores[800] >= 0.5 && ruledScores[800] == harness.scores[1800], "\(ruledScores[800])")
        #expect(harness.summary(#"latency{rule="up"}"#)?.rule == "rises-only")
        #expect(harness.summary(#"latency{rule="none"}"#)?.rule == nil)
    }

    @Test(
        "min_change keeps a small but surprising change quiet and lets a large one page; severity and labels reach the v1 payload"
    )
    func minChange() throws {
        let harness = try Self.engine(
            rules: """
                  - match: 'load{rule="absolute"}'
                    min_change: {absolute: 5}
                    severity: warning
                    labels: {team: web, host: override}
                  - match: 'load{rule="relative"}'
                    min_change: {relative: 0.01}
                """)
        let values = Self.shape(level: 1000, amplitude: 1, noise: 0.05, changes: [600: 3, 800: 400])
        var scores: [String: [Double]] = [:]
        for rule in ["none", "absolute", "relative"] {
            let key = #"load{host="a",rule="\#(rule)"}"#
            _ = try harness.feed(key, values)
            scores[rule] = Array(harness.scores.suffix(1000))
        }
        #expect(Self.pages(harness, #"load{host="a",rule="none"}"#) == [600, 800])
        #expect(Self.pages(harness, #"load{host="a",rule="absolute"}"#) == [800])
        #expect(Self.pages(harness, #"load{host="a",rule="relative"}"#) == [800])
        // A change of 3 was surprising (it paged without a rule), below 5 and below 1% of 1000.
        #expect(scores["absolute"]?[600] == scores["none"]?[600] && (scores["none"]?[600] ?? 0) >= 0.5)

        // The large change: critical without a rule, a warning under one that fixes the severity.
        func alert(_ rule: String) -> Alert? {
            harness.raised.first {
                $0.seriesKey == #"load{host="a",rule="\#(rule)"}"# && $0.sampleTime == 1_700_000_000 + 60 * 800
            }
        }
        let unruled = try #require(alert("none"))
        let ruled = try #require(alert("absolute"))
        #expect(unruled.severity == .critical && ruled.severity == .warning)
        let payload = try #require(
            try JSONSerialization.jsonObject(with: Data(ruled.json(sequence: 1, instance: "i").utf8)) as? [String: Any])
        let labels = try #require(payload["labels"] as? [String: String])
        #expect(labels["team"] == "web" && labels["host"] == "override" && labels["severity"] == "warning")
        #expect(labels["series"] == #"load{host="a",rule="absolute"}"# && labels["rule"] == "absolute")
        let forAlertmanager = Dictionary(
            uniqueKeysWithValues: AlertmanagerAlert(ruled, instance: "i").labels.map { ($0.name, $0.value) })
        #expect(forAlertmanager["team"] == "web" && forAlertmanager["host"] == "override")
        #expect(unruled.extraLabels.isEmpty)
    }

    @Test("training: off makes no training jobs for its series; the others learn")
    func trainingOff() throws {
        let harness = try Self.engine(rules: "  - match: 'cpu{rule=\"frozen\"}'\n    training: off", training: true)
        let values = Array(Self.shape(level: 50, amplitude: 10, noise: 0.5, changes: [:]).prefix(300))
        _ = try harness.feed(#"cpu{rule="frozen"}"#, values)
        _ = try harness.feed(#"cpu{rule="free"}"#, values)
        #expect(harness.summary(#"cpu{rule="frozen"}"#)?.modelVersion == 0)
        #expect((harness.summary(#"cpu{rule="free"}"#)?.modelVersion ?? 0) > 0)
    }

    @Test(
        "absent: off keeps a quiet series from MetricAbsent, a multiple judges it sooner, on judges it where the daemon does not; with the rule's labels"
    )
    func absentPerSeries() throws {
        let start = 1_700_000_000.0
        func book(_ yaml: String, enabled: Bool, keys: [String]) throws -> ClockedBook {
            let rules = try configuredRules(yaml)
            let clocked = ClockedBook {
                $0.rules = rules
                $0.absence.enabled = enabled
            }
            for t in 0..<20 { clocked.arrive(keys.map { ($0, Double(t)) }, at: start + 60 * Double(t)) }
            return clocked
        }
        func absent(_ clocked: ClockedBook) -> [String] {
            clocked.alerts.filter { $0.alertName == "MetricAbsent" && $0.status == .firing && !$0.isResend }
                .map(\.seriesKey)
        }
        let last = start + 60 * 19
        // The daemon's absent.after: 10 intervals of 60 s.
        let judged = try book(
            "  - match: quiet\n    absent: off\n  - match: soon\n    absent: 3\n    labels: {team: web}",
            enabled: true, keys: ["plain", "quiet", "soon"])
        judged.book.sweep(now: last + 200)
        #expect(absent(judged) == ["soon"])
        #expect(judged.alerts.first?.extraLabels == ["team": "web"])
        judged.book.sweep(now: last + 601)
        #expect(absent(judged) == ["soon", "plain"])
        judged.book.sweep(now: last + 86_000)
        #expect(!absent(judged).contains("quiet"))

        let unjudged = try book("  - match: watched\n    absent: on", enabled: false, keys: ["watched", "plain"])
        unjudged.book.sweep(now: last + 601)
        #expect(absent(unjudged) == ["watched"])
    }

    @Test("A reload that changes the rules applies to running series at their next sample, and /series says so at once")
    func reloadAppliesToRunningSeries() throws {
        let harness = try Self.engine(rules: "  - match: 'latency'\n    direction: down")
        let values = Self.shape(level: 50, amplitude: 10, noise: 0.5, changes: [600: 400, 800: 400])
        _ = try harness.feed("latency", Array(values[..<700]))
        #expect(Self.pages(harness, "latency").isEmpty)
        #expect(harness.summary("latency")?.rule == "rules[0]")
        var settings = harness.engine.live.current
        settings.rules = try configuredRules(
            "  - match: 'other'\n  - match: 'latency'\n    direction: up\n    name: now-up")
        harness.engine.live.set(settings)
        #expect(harness.summary("latency")?.rule == "now-up")
        _ = try harness.feed("latency", Array(values[700...]), startingAt: 700)
        #expect(Self.pages(harness, "latency") == [800])
    }
}

@Suite("Rules: the built daemon, reloaded, against a real Alertmanager")
struct RuleDaemonTests {
    static func configuration(alertmanager: String, direction: String, name: String) -> String {
        """
        alerts:
          resend_interval: 100000
        alertmanager:
          urls: ["\(alertmanager)"]
          resend_interval: 1
        rules:
          - match: '{__name__="rule.lat", host="web-1"}'
            name: \(name)
            direction: \(direction)
            labels: {team: web}
        """
    }

    @Test(
        "SIGHUP turns a running series' rule from drops-only to rises-only: a rise first quiet then pages, with the rule's label in Alertmanager"
    )
    func reloadChangesARunningSeries() throws {
        let alertmanager = try AlertmanagerServer()
        let folder = try makeTemporaryFolder("rules")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try writeFile(
            "streamlstmd.yaml", in: folder,
            Self.configuration(alertmanager: alertmanager.url, direction: "down", name: "drops-only"))
        let daemon = try RunningDaemon.onLoopback([
            "--config", file.path, "--http", "127.0.0.1:0", "--instance", "rules-test", "--shards", "1",
        ])
        let endpoints = try daemon.loopbackEndpoints()
        let key = #"rule.lat{host="web-1"}"#
        func series() throws -> [String: Any] {
            let path = "/series?key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
            return try httpGetList(endpoints.http, path).first ?? [:]
        }
        func firing() throws -> Double {
            try MetricsPage.read(endpoints.http).sum("streamlstmd_alerts_total", [#"status="firing""#])
        }

        // A rise of 30 on a calm series, under a rule that lets only drops alert.
        let first = AlertmanagerTests.stream("rule.lat;host=web-1", count: 601, spikes: [600], endingMinutesAgo: 240)
        try AlertmanagerTests.send(first.messages, to: endpoints.input)
        try waitUntil("every sample of the rise stepped") { try series()["samples"] as? Int == 601 }
        let quiet = try series()
        #expect(quiet["rule"] as? String == "drops-only" && quiet["alert"] as? String == "normal", "\(quiet)")
        #expect((quiet["score"] as? Double ?? 0) >= 0.5, "the rise surprised the scorer: \(quiet)")
        #expect(try firing() == 0)

        try Self.configuration(alertmanager: alertmanager.url, direction: "up", name: "rises-only")
            .write(to: file, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let applied = try daemon.waitForLog(#"applied=(\S+) .*configuration reloaded"#)  // metadata come first
        #expect(applied == "rules", "\(applied)")
        #expect(try series()["rule"] as? String == "rises-only")

        // The same series, running on: its next rise (its newest sample, so that the alert is still
        // open) pages, and Alertmanager gets the rule's label.
        let second = AlertmanagerTests.stream(
            "rule.lat;host=web-1", count: 160, spikes: [600, 760], endingMinutesAgo: 80, from: 601)
        try AlertmanagerTests.send(second.messages, to: endpoints.input)
        try waitUntil("the rise in Alertmanager") { try !alertmanager.alerts(series: key).isEmpty }
        let alert = try #require(alertmanager.alerts(series: key).first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["team"] == "web" && labels["host"] == "web-1" && labels["instance"] == "rules-test")
        #expect(AlertmanagerTests.date(alert["startsAt"]) == second.times[760 - 601])
        #expect(try firing() >= 1)
    }
}
