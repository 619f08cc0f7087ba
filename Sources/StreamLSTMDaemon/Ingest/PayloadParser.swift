import StreamLSTMVocabulary

/// The payload formats an input accepts.
package enum PayloadFormat: String, CaseIterable, Sendable {
    /// Decide per message: JSON if it starts with `{` or `[`, InfluxDB line
    /// protocol if the first line's second field holds `=`, else Graphite.
    case auto, graphite, influx, json
}

/// Parses payloads of one input's format into samples and counted rejections.
package struct PayloadParser {
    package let format: PayloadFormat
    package let graphite: GraphiteParser
    package let influx: InfluxParser
    package let json: JSONParser

    package init(
        format: PayloadFormat = .auto, maxKeyLength: Int = 1024,
        influxPrecision: InfluxParser.Precision = .nanoseconds
    ) {
        self.format = format
        graphite = GraphiteParser(maxKeyLength: maxKeyLength)
        influx = InfluxParser(maxKeyLength: maxKeyLength, precision: influxPrecision)
        json = JSONParser(maxKeyLength: maxKeyLength)
    }

    package func parse(_ payload: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        switch format == .auto ? Self.detect(payload) : format {
        case .graphite, .auto: graphite.parse(payload, now: now, into: &result)
        case .influx: influx.parse(payload, now: now, into: &result)
        case .json: json.parse(payload, now: now, into: &result)
        }
    }

    /// The format a payload looks like, from its first bytes and first line.
    package static func detect(_ payload: ArraySlice<UInt8>) -> PayloadFormat {
        guard
            let first = payload.first(where: {
                $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n")
                    && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t")
            })
        else { return .graphite }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return .json }
        var lines = Lines(payload)
        guard let line = lines.next() else { return .graphite }
        // The second field: after the first space that is not escaped.
        var index = line.startIndex
        var escaped = false
        while index < line.endIndex {
            let byte = line[index]
            if !escaped && byte == UInt8(ascii: " ") { break }
            escaped = !escaped && byte == UInt8(ascii: "\\")
            index += 1
        }
        let rest = line[index...].drop(while: { $0 == UInt8(ascii: " ") })
        let second = rest.prefix(while: { $0 != UInt8(ascii: " ") })
        return second.contains(UInt8(ascii: "=")) ? .influx : .graphite
    }
}
