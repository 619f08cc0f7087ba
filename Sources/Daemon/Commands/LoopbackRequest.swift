import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One request to a running daemon's loopback HTTP API, for the commands that talk to it
/// (`feedback`): the status and the body of the answer, or a clear error when nothing answered.
enum LoopbackRequest {
    struct Answer {
        let status: Int
        let body: String
    }

    struct Unreachable: Error, CustomStringConvertible {
        let address: String
        let reason: String
        var description: String { "no daemon answered on http://\(address): \(reason)" }
    }

    static func send(
        _ method: String, address: String, path: String, body: String? = nil, timeout: Double = 30
    ) throws(Unreachable) -> Answer {
        guard let url = URL(string: "http://\(address)\(path)") else {
            throw Unreachable(address: address, reason: "not a HOST:PORT address")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let result = Protected<Result<Answer, Unreachable>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                let text = String(decoding: data ?? Data(), as: UTF8.self)
                result.withLock { $0 = .success(Answer(status: http.statusCode, body: text)) }
            } else {
                let reason = error?.localizedDescription ?? "no answer"
                result.withLock { $0 = .failure(Unreachable(address: address, reason: reason)) }
            }
            done.signal()
        }.resume()
        done.wait()
        return try result.withLock { $0 }!.get()
    }
}
