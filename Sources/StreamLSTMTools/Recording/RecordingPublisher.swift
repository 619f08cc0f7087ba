import Foundation
import StreamLSTMDaemon
import StreamLSTMVocabulary

extension Producer {
    /// Sends recorded samples as a live stream: JSON batches of `batch` samples (series, labels,
    /// timestamp, value) in recording order, at `rate` samples a second (0: as fast as the producer
    /// takes them). Returns how many samples were sent.
    package func publish(_ samples: [RecordedSample], topic: String, batch: Int, rate: Double) throws -> Int {
        let start = Date()
        var sent = 0
        while sent < samples.count {
            let chunk = samples[sent..<min(sent + batch, samples.count)]
            try send(topic: topic, Self.json(chunk))
            sent += chunk.count
            if rate > 0 {
                let due = start.addingTimeInterval(Double(sent) / rate).timeIntervalSinceNow
                if due > 0 { Thread.sleep(forTimeInterval: due) }
            }
        }
        return sent
    }

    /// A JSON array of sample objects, as the daemon's JSON format reads them.
    private static func json(_ samples: ArraySlice<RecordedSample>) -> String {
        var text = "["
        for (index, sample) in samples.enumerated() {
            if index > 0 { text += "," }
            let (name, labels) = SeriesKey.parse(sample.key)
            var writer = JSONWriter.object()
            writer.string("series", name)
            if !labels.isEmpty {
                writer.beginObject("labels")
                for (label, value) in labels { writer.string(label, value) }
                writer.endObject()
            }
            writer.number("ts", sample.timestamp)
            writer.number("value", sample.value)
            text += writer.finishObject()
        }
        return text + "]"
    }
}
