import Foundation
import Logging
import StreamLSTMVocabulary

/// Every verdict a daemon was given, kept in its state directory so that a user's feedback becomes a
/// labelled corpus of their own:
///
/// - `feedback.jsonl`: one JSON object per verdict, appended and synced as it is given (series,
///   from, to, verdict, note, given_at): the record of what was said;
/// - `feedback.json`: the stretches marked `anomaly`, by series, in NAB's windows format
///   (`{"SERIES": [["FROM", "TO"], ...]}`, RFC 3339 times), replaced whole (`DurableFile`) after each verdict:
///   `streamlstmd evaluate --labels STATE/feedback.json RECORDING` scores a recording against it.
///
/// At start the journal is read back; a line that cannot be read is skipped and said once.
package final class FeedbackJournal: Sendable {
    package struct Entry: Sendable, Equatable {
        package let feedback: Feedback
        package let givenAt: Double
    }

    package let directory: URL
    private let entries: Protected<[Entry]>
    private let logger: Logger

    package static let journalName = "feedback.jsonl"
    package static let windowsName = "feedback.json"

    package var journalURL: URL { directory.appendingPathComponent(Self.journalName) }
    package var windowsURL: URL { directory.appendingPathComponent(Self.windowsName) }

    /// The journal of `directory`, with the verdicts it already holds.
    package init(directory: String, logger: Logger) {
        self.directory = URL(fileURLWithPath: directory)
        self.logger = logger
        var loaded: [Entry] = []
        var unreadable = 0
        let text =
            (try? String(
                contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(Self.journalName), encoding: .utf8))
            ?? ""
        for line in text.split(separator: "\n") where !line.isEmpty {
            if let entry = Self.entry(from: line) { loaded.append(entry) } else { unreadable += 1 }
        }
        if unreadable > 0 {
            logger.warning(
                "feedback journal: skipped unreadable lines",
                metadata: ["file": "\(directory)/\(Self.journalName)", "lines": "\(unreadable)"])
        }
        entries = Protected(loaded)
    }

    /// Appends a verdict (synced before this returns) and rewrites the windows file.
    package func record(_ feedback: Feedback, at time: Double = Date().timeIntervalSince1970)
        throws(FeedbackJournalError)
    {
        let entry = Entry(feedback: feedback, givenAt: time)
        let failure = entries.withLock { (all: inout [Entry]) -> FeedbackJournalError? in
            do throws(FeedbackJournalError) {
                try append(Array((Self.line(entry) + "\n").utf8))
                all.append(entry)
                try writeWindows(all)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    private func append(_ bytes: [UInt8]) throws(FeedbackJournalError) {
        do {
            try DurableFile.append(journalURL, bytes)
        } catch {
            throw FeedbackJournalError(file: .journal, path: journalURL.path, failure: error)
        }
    }

    private func writeWindows(_ all: [Entry]) throws(FeedbackJournalError) {
        do {
            try DurableFile.replace(windowsURL, with: Array(Self.windowsJSON(all).utf8))
        } catch {
            throw FeedbackJournalError(file: .windows, path: windowsURL.path, failure: error)
        }
    }

    /// The stretches marked `anomaly`, by series, in NAB's windows format.
    package static func windowsJSON(_ all: [Entry]) -> String {
        var windows: [String: [(Double, Double)]] = [:]
        for entry in all where entry.feedback.verdict == .anomaly {
            windows[entry.feedback.series, default: []].append((entry.feedback.from, entry.feedback.to))
        }
        var text = "{"
        for (index, series) in windows.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += "\n  "
            JSONWriter.appendQuoted(series, to: &text)
            let pairs = windows[series]!.sorted { $0.0 < $1.0 }.map { "[\"\(rfc3339($0.0))\", \"\(rfc3339($0.1))\"]" }
            text += ": [" + pairs.joined(separator: ", ") + "]"
        }
        return text + (windows.isEmpty ? "}\n" : "\n}\n")
    }

    package static func line(_ entry: Entry) -> String {
        var w = JSONWriter.object()
        entry.feedback.write(into: &w, timesAsText: true)
        w.string("given_at", rfc3339(entry.givenAt))
        return w.finishObject()
    }

    package static func entry(from line: Substring) -> Entry? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let givenText = object["given_at"] as? String, let givenAt = Timestamps.parseRFC3339(givenText)
        else { return nil }
        var fields = object
        fields["given_at"] = nil
        guard let body = try? JSONSerialization.data(withJSONObject: fields),
            let feedback = try? Feedback.parse(json: Array(body))
        else { return nil }
        return Entry(feedback: feedback, givenAt: givenAt)
    }
}

/// A verdict that could not be kept: which of the journal's files, its path, and the system call
/// that failed (on it or on its temporary file, with errno: `ENOSPC` is a full disk).
package struct FeedbackJournalError: Error, Equatable, CustomStringConvertible {
    package enum File: Sendable, Equatable {
        /// `feedback.jsonl`, the verdicts as given.
        case journal
        /// `feedback.json`, the anomalies in NAB's windows format.
        case windows
    }

    package let file: File
    package let path: String
    package let failure: SystemCallError

    package var description: String { "cannot write \(path): \(failure)" }
}
