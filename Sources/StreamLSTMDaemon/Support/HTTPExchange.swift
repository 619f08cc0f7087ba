import Dispatch
import Foundation
import FoundationNetworking

/// One HTTP exchange on Foundation's client, waited for on the calling thread: for callers that have
/// a thread to wait on (the Alertmanager senders, the command-line client, the tests).
package enum HTTPExchange {
    /// No reply within the time allowed; the request was cancelled.
    package struct TimedOut: Error, Equatable, CustomStringConvertible {
        package let seconds: Double
        package var description: String { "no reply within \(String(format: "%g", seconds)) s" }
    }

    /// The status and body of the reply to `request`, or why there was none: the client's error, or
    /// `TimedOut` a second past `timeout`. `started` is given the task before it runs (a sender keeps
    /// it, to cancel it when stopping).
    package static func perform(
        _ request: URLRequest, session: URLSession, timeout: Double,
        started: (URLSessionDataTask) -> Void = { _ in }
    ) -> Result<(status: Int, body: String), any Error> {
        let reply = Protected<Result<(status: Int, body: String), any Error>>(.failure(TimedOut(seconds: timeout)))
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            reply.withLock {
                $0 = error.map { .failure($0) } ?? .success((status, String(decoding: data ?? Data(), as: UTF8.self)))
            }
            done.signal()
        }
        started(task)
        task.resume()
        if done.wait(timeout: .now() + timeout + 1) == .timedOut { task.cancel() }
        return reply.withLock { $0 }
    }

    /// A request with a JSON body (when there is one).
    package static func request(
        _ method: String, _ url: URL, json body: Data? = nil, timeout: Double
    ) -> URLRequest {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return request
    }
}
