import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools

/// How the client commands find a running daemon: its HTTP address, given, or read from its
/// configuration file (`http`), or the default `127.0.0.1:9464`.
struct DaemonClientOptions: ParsableArguments {
    @Option(help: "The daemon's HTTP address, HOST:PORT (default: the configuration's http, else 127.0.0.1:9464).")
    var http: String?

    @Option(help: "The daemon's configuration file, to take its http address from.")
    var config: String?

    /// HOST:PORT, or a usage error naming the form to write.
    func address() throws -> String {
        let address: String
        if let http {
            address = http
        } else if let config {
            address = try ConfigRefusal.load(config).http
        } else {
            address = DaemonConfig().http
        }
        guard address != "off" else {
            throw ValidationError("the daemon's HTTP is off (http: off): nothing to talk to; give --http HOST:PORT")
        }
        guard let parsed = HTTPAddress(address), parsed.port != 0 else {
            throw ValidationError("--http takes HOST:PORT, as in 127.0.0.1:9464, not \"\(address)\"")
        }
        return address
    }

    func validate() throws {
        _ = try address()
    }

    /// One request to the daemon: the status and body of its reply. A daemon that cannot be reached
    /// ends the command with a message and exit status 69 (EX_UNAVAILABLE).
    func request(_ method: String, _ path: String, body: String? = nil) throws -> (status: Int, body: String) {
        do {
            return try DaemonClient(address: try address()).request(method, path, body: body)
        } catch let failure as DaemonClient.Failure {
            throw Self.end(failure)
        }
    }

    /// Ends the command after a refusal: the daemon's one-line message on standard error, and the
    /// exit status `DaemonClient.Failure` gives it.
    static func refused(status: Int, body: String) -> any Error {
        end(.refusal(status: status, body: body))
    }

    private static func end(_ failure: DaemonClient.Failure) -> any Error {
        if case .badAddress = failure { return ValidationError(failure.description) }
        FileHandle.standardError.write(Data("streamlstmd: \(failure)\n".utf8))
        return ExitCode(failure.exitStatus)
    }
}
