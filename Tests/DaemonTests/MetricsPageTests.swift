import StreamLSTMTesting
import Testing

/// The tests read counters and gauges of a daemon's `/metrics` through one parser: it must pick the
/// right sample, or a test reads a neighbour's value and passes for the wrong reason.
@Suite("The tests' reader of /metrics")
struct MetricsPageTests {
    static let page = MetricsPage(
        text: """
            # HELP streamlstmd_series Series tracked.
            # TYPE streamlstmd_series gauge
            streamlstmd_series 3.0
            streamlstmd_series_bytes 4096.0
            streamlstmd_rejected_total{reason="memory_limit"} 2
            streamlstmd_rejected_total{reason="memory"} 7
            streamlstmd_rejected_total{other_reason="series_limit"} 11
            streamlstmd_alerts_total{status="firing",severity="warning"} 4
            streamlstmd_alerts_total{status="firing",severity="critical"} 1
            streamlstmd_alerts_total{status="resolved",severity="critical"} 9
            """)

    @Test("A sample is found by its whole name and its labels; one not listed reads 0")
    func values() {
        #expect(Self.page.value("streamlstmd_series") == 3)
        #expect(Self.page.value("streamlstmd_series_bytes") == 4096)
        #expect(Self.page.value("streamlstmd_rejected_total", [#"reason="memory_limit""#]) == 2)
        #expect(Self.page.value("streamlstmd_rejected_total", [#"reason="memory""#]) == 7)
        #expect(Self.page.value("streamlstmd_alerts_total", [#"status="firing""#, #"severity="critical""#]) == 1)
        #expect(Self.page.value("streamlstmd_rejected_total", [#"reason="series_limit""#]) == 0)
        #expect(Self.page.value("streamlstmd_rejected_total", [#"other_reason="series_limit""#]) == 11)
        #expect(Self.page.value("streamlstmd_serie") == 0)
    }

    @Test("A sum takes every sample with the labels given, and no other")
    func sums() {
        #expect(Self.page.sum("streamlstmd_alerts_total", [#"status="firing""#]) == 5)
        #expect(Self.page.sum("streamlstmd_alerts_total") == 14)
        #expect(Self.page.sum("streamlstmd_alerts_total", [#"severity="critical""#]) == 10)
    }
}
