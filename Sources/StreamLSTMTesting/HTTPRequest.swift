import Foundation
import FoundationNetworking
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// One HTTP request from the test process (Foundation's client), for Alertmanager's API: the
/// status and body of the reply. Throws when there is no reply within `timeout` seconds.
package func httpRequest(_ method: String, _ url: String, json body: String? = nil, timeout: Double = 10) throws -> (
    status: Int, body: String
) {
    guard let endpoint = URL(string: url) else { throw RunningDaemon.Failure("not a URL: \(url)") }
    let session = URLSession(configuration: .ephemeral)
    defer { session.invalidateAndCancel() }
    let request = HTTPExchange.request(method, endpoint, json: body.map { Data($0.utf8) }, timeout: timeout)
    switch HTTPExchange.perform(request, session: session, timeout: timeout) {
    case .success(let reply): return reply
    case .failure(let error): throw RunningDaemon.Failure("\(method) \(url): \(error)")
    }
}

extension AlertmanagerServer {
    /// `POST /api/v2/silences`: the new silence's id.
    package func addSilence(_ matchers: [[String: Any]], for seconds: Double, comment: String = "test") throws -> String
    {
        let now = Date()
        let body: [String: Any] = [
            "matchers": matchers, "startsAt": rfc3339(now.timeIntervalSince1970),
            "endsAt": rfc3339(now.timeIntervalSince1970 + seconds), "createdBy": "tests", "comment": comment,
        ]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let reply = try httpRequest("POST", url + "/api/v2/silences", json: text)
        guard reply.status == 200,
            let id = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])?["silenceID"]
                as? String
        else { throw RunningDaemon.Failure("POST /api/v2/silences: \(reply.status) \(reply.body)") }
        return id
    }

    /// `DELETE /api/v2/silence/ID`.
    package func expireSilence(_ id: String) throws {
        let reply = try httpRequest("DELETE", url + "/api/v2/silence/\(id)")
        guard reply.status == 200 else {
            throw RunningDaemon.Failure("DELETE silence \(id): \(reply.status) \(reply.body)")
        }
    }
}
