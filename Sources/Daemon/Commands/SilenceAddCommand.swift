import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools
import StreamLSTMVocabulary

/// `streamlstmd silence add --match SELECTOR --for DURATION --comment TEXT`.
struct SilenceAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Silence the series a selector matches, for a while; prints the new silence's id.",
        discussion: """
            Example: streamlstmd silence add --match '{host="web01", job=~"api.*"}' --for 2h --comment "kernel update"
            Matchers: name="value", name!="value", name=~"regex", name!~"regex" (regexes match the whole value; \
            a label a series lacks counts as ""). At least one matcher must need a non-empty value.
            """
    )

    @Option(name: .customLong("match"), help: "The series to silence, as a selector: '{host=\"web01\"}'.")
    var selector: String

    @Option(name: .customLong("for"), help: "How long: 90s, 15m, 2h, 1d (at most 31 days).")
    var duration: String

    @Option(help: "Start later than now: RFC 3339 (2025-01-01T22:00:00Z) or unix seconds.")
    var startsAt: String?

    @Option(help: "Why (listed with the silence). Add streamlstmd:keep-learning to let the series keep learning.")
    var comment: String

    @Option(help: "Who is silencing (default: $USER).")
    var author: String?

    @OptionGroup var daemon: DaemonClientOptions

    func validate() throws {
        do throws(SilenceError) {
            if let problem = try SelectorParser.parse(selector).problem { throw problem }
            guard try SilenceDuration.parse(duration) > 0 else { throw SilenceError("--for must be longer than 0s") }
        } catch {
            throw ValidationError("\(error)")
        }
        if let startsAt, Timestamps.parseRFC3339(startsAt) == nil && Double(startsAt) == nil {
            throw ValidationError("--starts-at takes an RFC 3339 time (2025-01-01T22:00:00Z) or unix seconds")
        }
    }

    func run() throws {
        var body = JSONWriter.object()
        body.string("matchers", selector)
        body.string("for", duration)
        if let startsAt {
            if let seconds = Double(startsAt) {
                body.number("startsAt", seconds)
            } else {
                body.string("startsAt", startsAt)
            }
        }
        body.string("comment", comment)
        body.string(
            "createdBy",
            author ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown")
        let reply = try daemon.request("POST", "/silences", body: body.finishObject())
        guard reply.status == 201,
            let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
            let id = object["id"] as? String
        else { throw DaemonClientOptions.refused(status: reply.status, body: reply.body) }
        print(id)
    }
}
