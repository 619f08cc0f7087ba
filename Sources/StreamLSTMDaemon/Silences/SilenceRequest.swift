import Foundation

/// A request to make a silence, as `POST /silences` takes it:
/// `{"matchers": "{host=\"web01\"}", "for": 7200, "comment": "...", "createdBy": "..."}`, with
/// `endsAt` instead of `for`, and an optional `startsAt` (times as unix seconds or RFC 3339; `for`
/// as seconds or a duration such as "2h"). `matchers` may also be a list of Alertmanager's matcher objects.
package struct SilenceRequest: Equatable {
    package var matchers: [SilenceMatcher]
    package var startsAt: Double?
    package var endsAt: Double
    package var comment: String
    package var createdBy: String

    package static let fields: Set<String> = ["matchers", "for", "endsAt", "startsAt", "comment", "createdBy"]

    /// Reads a request body; `now` is where `for` counts from when there is no `startsAt`. Refuses
    /// what is malformed (not JSON, a field of the wrong type or unknown, a bad selector), naming the field.
    package static func parse(_ body: [UInt8], now: Double) throws(SilenceError) -> SilenceRequest {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw SilenceError(
                "the body must be a JSON object, as in {\"matchers\": \"{host=\\\"web01\\\"}\", \"for\": \"2h\", \"comment\": \"...\"}"
            )
        }
        if let unknown = Set(object.keys).subtracting(fields).sorted().first {
            throw SilenceError("unknown field \"\(unknown)\" (known: \(fields.sorted().joined(separator: ", ")))")
        }
        let matchers: [SilenceMatcher]
        switch object["matchers"] {
        case let selector as String: matchers = try SelectorParser.parse(selector)
        case let list as [Any]: matchers = try SilenceJSON.matchers(list)
        default: throw SilenceError("matchers: give a selector such as \"{host=\\\"web01\\\"}\"")
        }
        var startsAt: Double?
        if let value = object["startsAt"] {
            guard let time = SilenceJSON.time(value) else {
                throw SilenceError("startsAt: expected unix seconds or an RFC 3339 time")
            }
            startsAt = time
        }
        let endsAt: Double
        switch (object["for"], object["endsAt"]) {
        case (let duration?, nil):
            let seconds: Double
            if let text = duration as? String {
                seconds = try SilenceDuration.parse(text)
            } else if let number = SilenceJSON.number(duration) {
                seconds = number
            } else {
                throw SilenceError("for: expected seconds or a duration such as \"2h\"")
            }
            guard seconds > 0 else { throw SilenceError("for: \(seconds) must be > 0 seconds") }
            endsAt = max(startsAt ?? now, now) + seconds
        case (nil, let end?):
            guard let time = SilenceJSON.time(end) else {
                throw SilenceError("endsAt: expected unix seconds or an RFC 3339 time")
            }
            endsAt = time
        case (nil, nil): throw SilenceError("give \"for\" (a duration) or \"endsAt\" (a time)")
        case (_?, _?): throw SilenceError("give \"for\" or \"endsAt\", not both")
        }
        guard let comment = object["comment"] as? String,
            !comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw SilenceError("comment: say why (it is listed with the silence)") }
        var createdBy = "unknown"
        if let value = object["createdBy"] {
            guard let text = value as? String else { throw SilenceError("createdBy: expected a string") }
            if !text.isEmpty { createdBy = text }
        }
        return SilenceRequest(
            matchers: matchers, startsAt: startsAt, endsAt: endsAt, comment: comment, createdBy: createdBy)
    }
}
