import Foundation
import MetricsTestKit
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

@Suite("Alert state")
struct AlertStateTests {
    /// Feeds scores one per second; returns the notices with the sample index they came at.
    /// `unheld`: the scores before the scorer's refractory hold, where they differ from `scores`.
    func run(
        _ scores: [Double], unheld: [Double]? = nil, rules: AlertRules = AlertRules()
    ) -> [(Int, AlertState.Notice)] {
        var state = AlertState.initial
        var notices: [(Int, AlertState.Notice)] = []
        for (t, score) in scores.enumerated() {
            for notice in state.advance(score: score, unheld: unheld?[t], at: Double(t), rules: rules) {
                notices.append((t, notice))
            }
        }
        return notices
    }

    @Test("A new incident inside an open alert pages: the open alert resolves and a new one fires")
    func newIncidentInsideAnOpenAlert() {
        // An incident, then 30 samples between the thresholds (the alert stays open: none is calm),
        // then a second incident.
        let scores = [0.9] + [Double](repeating: 0.4, count: 30) + [0.7, 0.4]
        let notices = run(scores)
        #expect(notices.map(\.0) == [0, 31, 31])
        #expect(
            notices.map(\.1) == [
                .firing(since: 0, severity: .critical), .resolved(since: 0, at: 31, severity: .critical),
                .firing(since: 31, severity: .warning),
            ])
        // Fewer quiet samples than `newIncidentAfter` (25): the same incident goes on, no page.
        let close = [0.9] + [Double](repeating: 0.4, count: 20) + [0.7]
        #expect(run(close).map(\.0) == [0])
        var off = AlertRules()
        off.newIncidentAfter = 0
        #expect(run(scores, rules: off).map(\.0) == [0])
    }

    @Test("A score the scorer held below the threshold counts by its unheld value for a new incident")
    func heldScoresCountUnheld() {
        let held = 0.5.nextDown
        let scores = [0.9] + [Double](repeating: 0.4, count: 30) + [held]
        // Held, but its surprise was at the fire level: a new incident.
        var unheld = scores
        unheld[31] = 0.8
        #expect(run(scores, unheld: unheld).map(\.0) == [0, 31, 31])
        // Held and its surprise below the fire level: nothing.
        #expect(run(scores).map(\.0) == [0])
    }

    @Test("Fires on the first score over the threshold, resolves after enough calm samples")
    func fireAndResolve() {
        let scores = [0.1, 0.2, 0.6, 0.4, 0.35] + [Double](repeating: 0.1, count: 10) + [0.1]
        let notices = run(scores)
        #expect(notices.count == 2)
        #expect(notices.first?.0 == 2 && notices.first?.1 == .firing(since: 2, severity: .warning))
        // 0.4 and 0.35 are above the resolve threshold (0.3): calm counting starts at sample 5.
        #expect(notices.last?.0 == 14 && notices.last?.1 == .resolved(since: 2, at: 14, severity: .warning))
    }

    @Test("A pending period delays firing, and a dip below the threshold cancels it")
    func pending() {
        var rules = AlertRules()
        rules.pendingSamples = 3
        #expect(run([0.6, 0.6, 0.1, 0.6, 0.6, 0.6], rules: rules).map(\.0) == [5])
        #expect(run([0.6, 0.6, 0.1, 0.6, 0.6, 0.6], rules: rules).first?.1 == .firing(since: 3, severity: .warning))
    }

    @Test("Hysteresis: scores hovering around the fire threshold give one alert, not a flap")
    func hysteresis() {
        let scores = (0..<40).map { $0 % 2 == 0 ? 0.55 : 0.45 }
        let notices = run(scores)
        #expect(notices.count == 1)
    }

    @Test("Escalation to critical is sent at once; re-sends follow the interval")
    func escalationAndResend() {
        var rules = AlertRules()
        rules.resendInterval = 10
        let scores = [0.6, 0.6, 0.95] + [Double](repeating: 0.6, count: 20)
        let notices = run(scores, rules: rules)
        #expect(notices.map(\.0) == [0, 2, 12, 22])
        #expect(
            notices.map(\.1) == [
                .firing(since: 0, severity: .warning), .firing(since: 0, severity: .critical),
                .firing(since: 0, severity: .critical), .firing(since: 0, severity: .critical),
            ])
    }

    @Test("No new alert during the cool-down after a resolution")
    func coolDown() {
        var rules = AlertRules()
        rules.resolveSamples = 1
        rules.coolDown = 5
        // Fires at 0, resolves at 1, quiet until 6: the spike at 3 is ignored, the one at 7 fires.
        let notices = run([0.9, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.9], rules: rules)
        #expect(notices.map(\.0) == [0, 1, 7])
    }
}

@Suite("Alert payload")
struct AlertPayloadTests {
    static let alert = Alert(
        status: .firing, severity: .critical,
        series: SeriesIdentity(key: #"cpu.user{host="web01",severity="x"}"#, fingerprint: 0x9C1E),
        startsAt: 1_735_725_600, endsAt: 1_735_726_800, sampleTime: 1_735_725_600.5,
        value: 93.1, predicted: 41.2, lower: 35, upper: 47.4, score: 0.99993, threshold: 0.5,
        reason: .predictionError, modelVersion: 17)

    @Test("A re-send is one word everywhere: resend in the JSON, RESENT to a person, status=\"resent\" in the metrics")
    func resendMarked() throws {
        var resend = Self.alert
        resend.isResend = true
        let metrics = TestMetrics()
        let counters = DaemonMetrics(factory: metrics)
        for alert in [Self.alert, resend] {
            let text = alert.json(sequence: 1, instance: "i")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["resend"] as? Bool == alert.isResend)
            let received = try #require(ReceivedAlert(topic: Array(alert.topic.utf8), payload: Array(text.utf8)))
            #expect(received.kind == (alert.isResend ? "resent" : "firing"))
            let line = AlertLine.format(topic: Array(alert.topic.utf8), payload: Array(text.utf8))
            #expect(line.hasPrefix(alert.isResend ? "RESENT " : "FIRING "), "\(line)")
            counters.count(alert)
        }
        for status in ["firing", "resent"] {
            let counter = try metrics.expectCounter(
                "streamlstmd_alerts_total", [("status", status), ("severity", "critical")])
            #expect(counter.totalValue == 1, "\(status)")
        }
    }

    @Test("The v1 JSON has the schema's fields, values and key order")
    func schema() throws {
        let text = Self.alert.json(sequence: 1842, instance: "host:5556")
        #expect(
            text.hasPrefix(
                #"{"schema":"streamlstm.alert/v1","seq":1842,"status":"firing","labels":{"alertname":"MetricAnomaly","series":"cpu.user{host=\"web01\",severity=\"x\"}","metric":"cpu.user","host":"web01","label_severity":"x","severity":"critical","instance":"host:5556"}"#
            ))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["startsAt"] as? String == "2025-01-01T10:00:00Z")
        #expect(object["endsAt"] as? String == "2025-01-01T10:20:00Z")
        #expect(object["fingerprint"] as? String == "9c1e")
        let annotations = try #require(object["annotations"] as? [String: Any])
        #expect(annotations["description"] as? String == "93.1 vs expected 41.2 [35, 47.4]")
        let anomaly = try #require(object["anomaly"] as? [String: Any])
        #expect(anomaly["ts"] as? String == "2025-01-01T10:00:00.500Z")
        #expect(anomaly["direction"] as? String == "above")
        #expect(anomaly["reason"] as? String == "prediction_error")
        #expect(anomaly["model_version"] as? Int == 17)
        #expect(anomaly["warming_up"] as? Bool == false)
        #expect(Self.alert.topic == "alert.firing.critical")
    }

    @Test("Series keys parse back into name and labels, escapes included")
    func keyRoundTrip() throws {
        let labels = [("a", #"q"uote\back"#), ("b", "new\nline"), ("c", "x,y=z")]
        let key = try SeriesKey.make(name: "m.n", labels: labels)
        let parsed = SeriesKey.parse(key)
        #expect(parsed.name == "m.n")
        #expect(parsed.labels.map(\.0) == ["a", "b", "c"])
        #expect(parsed.labels.map(\.1) == labels.map(\.1))
        #expect(SeriesKey.parse("plain").name == "plain" && SeriesKey.parse("plain").labels.isEmpty)
    }

    @Test(
        "RFC 3339 formatting inverts parsing",
        arguments: [0.0, 1_735_725_600, 1_735_725_600.25, 951_782_400, -86_400.5])
    func rfc3339RoundTrip(seconds: Double) {
        #expect(Timestamps.parseRFC3339(rfc3339(seconds)) == seconds)
    }
}
