/// A running daemon's `/metrics` (Prometheus' text format), read once with Python's urllib: the
/// values of its samples by metric name and labels, for the tests that check a counter or a gauge.
package struct MetricsPage {
    /// One sample line: `name{labels} value`, or `name value`.
    struct Sample {
        let name: String
        /// What stands between the braces (`key="value",...`), empty without labels.
        let labels: Substring
        let value: Double
    }

    let samples: [Sample]

    package init(text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: "", value: value)
            }
            return Sample(
                name: String(series[..<brace]), labels: series[series.index(after: brace)...].dropLast(),
                value: value)
        }
    }

    /// `GET /metrics` of the daemon serving HTTP at `http`.
    package static func read(_ http: String) throws -> MetricsPage {
        MetricsPage(text: try httpGet(http, "/metrics"))
    }

    /// The samples of metric `name` that carry each of `labels` (each written `key="value"`, a whole
    /// pair: `reason="memory"` is not `reason="memory_limit"`, nor `other_reason="memory"`). The daemon's
    /// label values hold no `",`, so a pair ends where one follows.
    private func matching(_ name: String, _ labels: [String]) -> [Sample] {
        samples.filter { sample in
            let pairs = "," + sample.labels + ","
            return sample.name == name && labels.allSatisfy { pairs.contains("," + $0 + ",") }
        }
    }

    /// The value of the first such sample; 0 when there is none (a counter nothing has counted yet is
    /// not listed).
    package func value(_ name: String, _ labels: [String] = []) -> Double {
        matching(name, labels).first?.value ?? 0
    }

    /// The sum of every such sample's value (a counter over all the values of another label).
    package func sum(_ name: String, _ labels: [String] = []) -> Double {
        matching(name, labels).reduce(0) { $0 + $1.value }
    }
}

/// The value of one sample of a running daemon's `/metrics` (see `MetricsPage.value`).
package func metricValue(_ http: String, _ name: String, _ labels: [String] = []) throws -> Double {
    try MetricsPage.read(http).value(name, labels)
}
