import Foundation
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// One ZeroMQ message as `record` captured it: when it arrived and its frames.
package struct RecordedMessage: Equatable, Sendable {
    /// Unix seconds at receipt: replay's simulated clock, and "now" for samples without a timestamp.
    package let received: Double
    package let frames: [[UInt8]]

    /// The frame that holds samples: `[topic, payload]` or `[payload]`.
    package var payload: [UInt8] { frames.last ?? [] }
}

/// The `record` file format: NDJSON, greppable, one message a line, so a
/// crash loses at most the line being written.
///
///     {"streamlstmd_recording":1}
///     {"received":1700000000.25,"frames":["metrics","cpu.user 42.5 1700000000"]}
///
/// A frame that is not UTF-8 is written as `{"base64":"..."}`.
package enum StreamRecording {
    package static let header = #"{"streamlstmd_recording":1}"#

    /// Whether a file's first line marks it as a recording.
    package static func isRecording(firstLine: Substring) -> Bool {
        firstLine.replacingOccurrences(of: " ", with: "").hasPrefix(#"{"streamlstmd_recording":"#)
    }

    package static func line(for message: RecordedMessage) -> String {
        var text = #"{"received":"# + String(format: "%.6f", message.received) + #","frames":["#
        for (index, frame) in message.frames.enumerated() {
            if index > 0 { text += "," }
            if let string = String(validating: frame, as: UTF8.self) {
                JSONWriter.appendQuoted(string, to: &text)
            } else {
                text += #"{"base64":""# + Data(frame).base64EncodedString() + #""}"#
            }
        }
        return text + "]}\n"
    }

    /// Reads a recording's messages; `lines` is the whole file, split.
    package static func read(_ lines: [Substring], file: String) throws(RecordingError) -> [RecordedMessage] {
        guard let first = lines.first, isRecording(firstLine: first) else {
            throw RecordingError(file: file, line: 1, problem: "not a streamlstmd recording")
        }
        guard first.replacingOccurrences(of: " ", with: "") == header else {
            throw RecordingError(file: file, line: 1, problem: "recording version \(first) is not 1")
        }
        var messages: [RecordedMessage] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.allSatisfy(\.isWhitespace) {
            guard let message = parse(line) else {
                throw RecordingError(
                    file: file, line: index + 1,
                    problem: "not a recorded message {\"received\":seconds,\"frames\":[...]}")
            }
            messages.append(message)
        }
        return messages
    }

    private static func parse(_ line: Substring) -> RecordedMessage? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let received = (object["received"] as? NSNumber)?.doubleValue, received.isFinite,
            let rawFrames = object["frames"] as? [Any], !rawFrames.isEmpty
        else { return nil }
        var frames: [[UInt8]] = []
        for frame in rawFrames {
            if let text = frame as? String {
                frames.append(Array(text.utf8))
            } else if let encoded = (frame as? [String: Any])?["base64"] as? String,
                let data = Data(base64Encoded: encoded)
            {
                frames.append(Array(data))
            } else {
                return nil
            }
        }
        return RecordedMessage(received: received, frames: frames)
    }
}
