import Foundation
import StreamLSTMVocabulary

/// Silences and matchers in JSON: Alertmanager's API v2 shapes (`{"name","value","isRegex","isEqual"}`,
/// a silence with `status.state` and RFC 3339 times).
package enum SilenceJSON {
    /// A JSON array of values already written.
    package static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// `[{"name":"host","value":"web01","isRegex":false,"isEqual":true}, ...]`.
    package static func matchers(_ matchers: [SilenceMatcher]) -> String {
        array(
            matchers.map { matcher in
                var o = JSONWriter.object()
                o.string("name", matcher.name)
                o.string("value", matcher.value)
                o.bool("isRegex", matcher.isRegex)
                o.bool("isEqual", matcher.isEqual)
                return o.finishObject()
            })
    }

    /// Matchers from a parsed JSON list of Alertmanager's matcher objects (`isEqual` true when absent).
    package static func matchers(_ value: Any?) throws(SilenceError) -> [SilenceMatcher] {
        guard let list = value as? [Any] else { throw SilenceError("matchers: expected a list of matcher objects") }
        return try list.enumerated().map { (index, item) throws(SilenceError) in
            guard let object = item as? [String: Any], let name = object["name"] as? String,
                let value = object["value"] as? String, let isRegex = flag(object["isRegex"])
            else {
                throw SilenceError(
                    "matchers[\(index)]: expected {\"name\": ..., \"value\": ..., \"isRegex\": ..., \"isEqual\": ...}")
            }
            let isEqual = object["isEqual"] == nil ? true : flag(object["isEqual"])
            guard let isEqual else { throw SilenceError("matchers[\(index)].isEqual: expected true or false") }
            return try SilenceMatcher(name: name, value: value, isRegex: isRegex, isEqual: isEqual)
        }
    }

    /// A JSON boolean. JSONSerialization gives an NSNumber for booleans and numbers alike, and `as? Bool`
    /// takes the numbers 0 and 1 too; a boolean's NSNumber has the type code of a C `char`.
    package static func flag(_ value: Any?) -> Bool? {
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else { return nil }
        return number.boolValue
    }

    /// A JSON number (not a boolean).
    package static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return number.doubleValue
    }

    /// Unix seconds from a JSON number, or an RFC 3339 string.
    package static func time(_ value: Any?) -> Double? {
        if let text = value as? String { return Timestamps.parseRFC3339(text) }
        return number(value)
    }

    // MARK: Alertmanager

    /// The active and pending silences of a `GET /api/v2/silences` reply, and the problems of those that
    /// could not be read (a matcher this daemon cannot compile). Throws when the reply is not a list of silences.
    package static func alertmanagerSilences(_ data: Data, from url: String) throws(SilenceError) -> (
        silences: [Silence], problems: [String]
    ) {
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw SilenceError("the reply is not a JSON list")
        }
        var silences: [Silence] = []
        var problems: [String] = []
        for (index, item) in list.enumerated() {
            guard let object = item as? [String: Any], let id = object["id"] as? String,
                let state = (object["status"] as? [String: Any])?["state"] as? String,
                let startsAt = time(object["startsAt"]), let endsAt = time(object["endsAt"])
            else { throw SilenceError("silence \(index) of the reply lacks id, status.state, startsAt or endsAt") }
            guard state == "active" || state == "pending" else { continue }
            do throws(SilenceError) {
                silences.append(
                    Silence(
                        id: id, matchers: try matchers(object["matchers"]), startsAt: startsAt, endsAt: endsAt,
                        comment: object["comment"] as? String ?? "", createdBy: object["createdBy"] as? String ?? "",
                        source: .alertmanager(url)))
            } catch {
                problems.append("silence \(id): \(error)")
            }
        }
        return (silences, problems)
    }
}
