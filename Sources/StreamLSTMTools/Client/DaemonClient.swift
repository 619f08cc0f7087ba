import Foundation
import FoundationNetworking
import StreamLSTMDaemon

/// One request to a running daemon's HTTP API, as the client commands (`feedback`, `silence`)
/// make it, and what its failures mean to the operator: the line to print and the exit status.
package struct DaemonClient: Sendable {
    package init(address: String) {
        self.address = address
    }

    /// HOST:PORT.
    package let address: String

    /// Why a request came to nothing.
    package enum Failure: Error, Equatable, CustomStringConvertible {
        /// HOST:PORT that makes no URL.
        case badAddress(String)
        /// Nothing answered at the address (the exchange's reason, in words).
        case unreachable(address: String, reason: String)
        /// The daemon answered with a status the command does not take, and its one-line message.
        case refused(status: Int, message: String)

        /// The daemon's reply as a refusal: its body, trimmed, is its message.
        package static func refusal(status: Int, body: String) -> Failure {
            .refused(status: status, message: body.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        /// As `sysexits.h` has it: 65 (EX_DATAERR) for a request the daemon refused (4xx), 69
        /// (EX_UNAVAILABLE) when it is away or failed itself, 64 (EX_USAGE) for an address that is none.
        package var exitStatus: Int32 {
            switch self {
            case .badAddress: EX_USAGE
            case .unreachable: EX_UNAVAILABLE
            case .refused(let status, _): (400..<500).contains(status) ? EX_DATAERR : EX_UNAVAILABLE
            }
        }

        package var description: String {
            switch self {
            case .badAddress(let address): "--http takes HOST:PORT, not \"\(address)\""
            case .unreachable(let address, let reason):
                "no daemon answers at http://\(address) (\(reason)): is it running, and is --http its address?"
            case .refused(let status, let message): "the daemon refused (\(status)): \(message)"
            }
        }
    }

    /// One request: the status and body of the reply, whatever the status.
    package func request(_ method: String, _ path: String, body: String? = nil) throws(Failure) -> (
        status: Int, body: String
    ) {
        guard let url = URL(string: "http://\(address)\(path)") else { throw .badAddress(address) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        let request = HTTPExchange.request(method, url, json: body.map { Data($0.utf8) }, timeout: 10)
        switch HTTPExchange.perform(request, session: session, timeout: 10) {
        case .success(let reply): return reply
        case .failure(let error as HTTPExchange.TimedOut): throw .unreachable(address: address, reason: "\(error)")
        case .failure(let error): throw .unreachable(address: address, reason: error.localizedDescription)
        }
    }
}
