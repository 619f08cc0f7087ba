import ArgumentParser
import Foundation
import FoundationNetworking
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
        let address = try address()
        guard let url = URL(string: "http://\(address)\(path)") else {
            throw ValidationError("--http takes HOST:PORT, not \"\(address)\"")
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        let request = HTTPExchange.request(method, url, json: body.map { Data($0.utf8) }, timeout: 10)
        let reason: String
        switch HTTPExchange.perform(request, session: session, timeout: 10) {
        case .success(let reply): return reply
        case .failure(let error as HTTPExchange.TimedOut): reason = "\(error)"
        case .failure(let error): reason = error.localizedDescription
        }
        FileHandle.standardError.write(
            Data(
                "streamlstmd: no daemon answers at http://\(address) (\(reason)): is it running, and is --http its address?\n"
                    .utf8))
        throw ExitCode(EX_UNAVAILABLE)
    }

    /// Ends the command after a refusal: the daemon's one-line message on standard error, exit
    /// status 65 (EX_DATAERR) for a request it refused, 69 (EX_UNAVAILABLE) when it failed itself.
    static func refused(status: Int, body: String) -> ExitCode {
        let message = body.trimmingCharacters(in: .whitespacesAndNewlines)
        FileHandle.standardError.write(Data("streamlstmd: the daemon refused (\(status)): \(message)\n".utf8))
        return ExitCode((400..<500).contains(status) ? EX_DATAERR : EX_UNAVAILABLE)
    }
}
