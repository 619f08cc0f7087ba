import Foundation
import StreamLSTMVocabulary

/// What the daemon's HTTP answers about silences; the routes in `StatusServer` only hand requests here.
///
/// - `GET /silences`: 200 and a JSON list, each `{"id","selector","matchers" (Alertmanager's objects),
///   "startsAt","endsAt" (RFC 3339),"comment","createdBy","source" ("local" or the Alertmanager's URL),
///   "state" ("active" or "pending"),"pauses_learning"}`.
/// - `POST /silences` (`SilenceRequest`): 201 and `{"id": ...}`; 400 for a body that cannot be read
///   (not JSON, a field unknown or of the wrong type, a selector that does not parse, a bad regular
///   expression), 422 for a silence that cannot be made (no matchers, matchers a series without those
///   labels satisfies, `for` ≤ 0, an end not after the start or already past, longer than 31 days),
///   500 when the state directory cannot take it. A refusal changes nothing.
/// - `DELETE /silences?id=ID`: 200 and `{"id": ..., "expired": true}`; 404 for an unknown id, 409 for a
///   silence of an Alertmanager (expire it there), 400 without an id.
///
/// Refusals are one line of plain text.
package enum SilenceAPI {
    package struct Answer: Equatable {
        package let status: Int
        /// JSON for success, one line of text for refusals.
        package let isJSON: Bool
        package let body: String

        package static func refusal(_ status: Int, _ message: String) -> Answer {
            Answer(status: status, isJSON: false, body: message + "\n")
        }
    }

    package static func list(_ book: SilenceBook, now: Double) -> Answer {
        Answer(status: 200, isJSON: true, body: SilenceJSON.array(book.list(now: now).map(json)) + "\n")
    }

    package static func create(_ book: SilenceBook, body: [UInt8], now: Double) -> Answer {
        let request: SilenceRequest
        do throws(SilenceError) {
            request = try SilenceRequest.parse(body, now: now)
        } catch {
            return .refusal(400, error.description)
        }
        do throws(SilenceBookError) {
            let id = try book.add(
                matchers: request.matchers, startsAt: request.startsAt, endsAt: request.endsAt,
                comment: request.comment, createdBy: request.createdBy, now: now)
            var o = JSONWriter.object()
            o.string("id", id)
            return Answer(status: 201, isJSON: true, body: o.finishObject() + "\n")
        } catch {
            return refusal(error)
        }
    }

    package static func expire(_ book: SilenceBook, query: [String: String], now: Double) -> Answer {
        guard let id = query["id"], !id.isEmpty else {
            return .refusal(400, "give the silence's id: DELETE /silences?id=ID")
        }
        do throws(SilenceBookError) {
            try book.expire(id: id, now: now)
            var o = JSONWriter.object()
            o.string("id", id)
            o.bool("expired", true)
            return Answer(status: 200, isJSON: true, body: o.finishObject() + "\n")
        } catch {
            return refusal(error)
        }
    }

    private static func refusal(_ error: SilenceBookError) -> Answer {
        switch error {
        case .invalid: .refusal(422, error.description)
        case .unknownID: .refusal(404, error.description)
        case .notLocal: .refusal(409, error.description)
        case .cannotSave: .refusal(500, error.description)
        }
    }

    /// One silence of the list.
    package static func json(_ listed: ListedSilence) -> String {
        let silence = listed.silence
        var o = JSONWriter.object()
        o.string("id", silence.id)
        o.string("selector", silence.matchers.selector)
        o.raw("matchers", SilenceJSON.matchers(silence.matchers))
        o.string("startsAt", rfc3339(silence.startsAt))
        o.string("endsAt", rfc3339(silence.endsAt))
        o.string("comment", silence.comment)
        o.string("createdBy", silence.createdBy)
        o.string("source", silence.source.description)
        o.string("state", listed.state.rawValue)
        o.bool("pauses_learning", listed.pausesLearning)
        return o.finishObject()
    }
}
