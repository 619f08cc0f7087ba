import Foundation
import StreamLSTMTools
import Testing

/// What the client commands (`feedback`, `silence`) make of a daemon that refuses or is away.
@Suite("The daemon's HTTP client")
struct DaemonClientTests {
    @Test("A request the daemon refused exits 65, one it failed on 69, with its message trimmed")
    func refusals() {
        let refused = DaemonClient.Failure.refusal(status: 404, body: "no such silence\n")
        #expect(refused == .refused(status: 404, message: "no such silence"))
        #expect(refused.exitStatus == EX_DATAERR)
        #expect(refused.description == "the daemon refused (404): no such silence")
        #expect(DaemonClient.Failure.refusal(status: 503, body: "busy").exitStatus == EX_UNAVAILABLE)
    }

    @Test("Nothing listening at the address is unreachable, exit 69, naming the address")
    func unreachable() throws {
        let address = "127.0.0.1:\(try AlertmanagerBenchmark.closedPort())"
        #expect {
            _ = try DaemonClient(address: address).request("GET", "/silences")
        } throws: { error in
            guard case .unreachable(let at, _) = error as? DaemonClient.Failure else { return false }
            return at == address && (error as? DaemonClient.Failure)?.exitStatus == EX_UNAVAILABLE
        }
    }
}
