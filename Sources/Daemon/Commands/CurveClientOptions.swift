import ArgumentParser
import StreamLSTMDaemon
import StreamLSTMTools

/// `--curve-server-key FILE --curve-key FILE`: the project's tools talking to a daemon whose socket is a CURVE server.
struct CurveClientOptions: ParsableArguments {
    @Option(help: "The daemon's public certificate (its socket is a CURVE server).")
    var curveServerKey: String?

    @Option(help: "This client's secret certificate (its public key in the daemon's allow-list).")
    var curveKey: String?

    func validate() throws {
        guard (curveServerKey == nil) == (curveKey == nil) else {
            throw ValidationError("give both --curve-server-key and --curve-key, or neither")
        }
    }

    func keys() throws -> CurveClientKeys? {
        try CurveClientKeys.load(serverCertificate: curveServerKey, ownCertificate: curveKey)
    }
}
