import Foundation
import Logging
import StreamLSTMVocabulary

/// The local silences in the state directory, `silences.json`: written whole at every change
/// (temporary file, fsync, rename, fsync of the directory), so the file is always the previous
/// set or the new one. Read at start; a file that cannot be read is set aside, never fatal.
package struct SilenceStore: Sendable {
    package let directory: URL
    package var file: URL { directory.appendingPathComponent("silences.json") }
    private var temporary: URL { DurableFile.temporary(for: file) }

    package init(directory: String) {
        self.directory = URL(fileURLWithPath: directory)
    }

    /// The silences saved, minus those over by `now`. A damaged file is renamed
    /// `silences.json.bad-<time>` with one error line, and none of it is kept.
    package func load(now: Double, logger: Logger) -> [Silence] {
        unlink(temporary.path)  // a save cut short by a crash
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        do throws(SilenceError) {
            let silences = try Self.decode(data)
            let kept = silences.filter { $0.state(at: now) != .expired }
            if !kept.isEmpty {
                logger.info(
                    "local silences restored",
                    metadata: ["count": "\(kept.count)", "expired_dropped": "\(silences.count - kept.count)"])
            }
            return kept
        } catch {
            let aside = directory.appendingPathComponent("silences.json.bad-\(Int(Date().timeIntervalSince1970))")
            let moved = rename(file.path, aside.path) == 0
            logger.error(
                "silences file unreadable: set aside, starting without local silences",
                metadata: [
                    "file": "\(file.path)", "problem": "\(error)", "set_aside": "\(moved ? aside.path : "-")",
                ])
            return []
        }
    }

    /// Replaces the file with `silences` (`DurableFile`).
    package func save(_ silences: [Silence]) throws(SilenceError) {
        do {
            try DurableFile.replace(file, with: Array(Self.encode(silences).utf8))
        } catch {
            throw SilenceError(error.description)
        }
    }

    // MARK: The format

    /// `{"version":1,"silences":[{"id":...,"matchers":[Alertmanager's matcher objects],
    /// "startsAt":unix seconds,"endsAt":...,"comment":...,"createdBy":...}]}`.
    package static func encode(_ silences: [Silence]) -> String {
        let items = silences.map { silence in
            var o = JSONWriter.object()
            o.string("id", silence.id)
            o.raw("matchers", SilenceJSON.matchers(silence.matchers))
            o.number("startsAt", silence.startsAt)
            o.number("endsAt", silence.endsAt)
            o.string("comment", silence.comment)
            o.string("createdBy", silence.createdBy)
            return o.finishObject()
        }
        var root = JSONWriter.object()
        root.raw("version", "1")
        root.raw("silences", SilenceJSON.array(items))
        return root.finishObject() + "\n"
    }

    package static func decode(_ data: Data) throws(SilenceError) -> [Silence] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SilenceError("not a JSON object")
        }
        guard root["version"] as? Int == 1 else { throw SilenceError("not version 1") }
        guard let list = root["silences"] as? [[String: Any]] else { throw SilenceError("no list of silences") }
        return try list.enumerated().map { (index, item) throws(SilenceError) in
            guard let id = item["id"] as? String, let startsAt = SilenceJSON.number(item["startsAt"]),
                let endsAt = SilenceJSON.number(item["endsAt"]), let comment = item["comment"] as? String,
                let createdBy = item["createdBy"] as? String
            else { throw SilenceError("silence \(index): a field is missing or of the wrong type") }
            let matchers = try SilenceJSON.matchers(item["matchers"])
            return Silence(
                id: id, matchers: matchers, startsAt: startsAt, endsAt: endsAt, comment: comment,
                createdBy: createdBy, source: .local)
        }
    }
}
