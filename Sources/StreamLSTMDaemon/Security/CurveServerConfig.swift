import Foundation
import StreamLSTMVocabulary
import ZeroMQ

/// A socket that other processes connect to, made a CURVE server: its secret
/// certificate and the folder of public certificates allowed to connect.
/// Both empty: plain text.
package struct CurveServerConfig: Sendable, Equatable {
    package init(secretKeyFile: String = "", allowedKeys: String = "") {
        self.secretKeyFile = secretKeyFile
        self.allowedKeys = allowedKeys
    }

    package var secretKeyFile = ""
    package var allowedKeys = ""

    package var isOn: Bool { !secretKeyFile.isEmpty }

    /// `path`: where the setting lives, for the error.
    package func problem(at path: String) -> ConfigError? {
        guard secretKeyFile.isEmpty == allowedKeys.isEmpty else {
            return ConfigError(key: path, problem: "give both secret_key_file and allowed_keys, or neither")
        }
        return nil
    }

    /// Whether `endpoint` is reachable only from this machine (loopback TCP, ipc, inproc).
    package static func isLocal(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst("tcp://".count))
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// A CURVE client's keys, for the project's own tools (`publish`, `alerts`, `record`)
/// talking to a secured daemon.
package struct CurveClientKeys: Sendable {
    package init(serverKey: String, publicKey: String, secretKey: String) {
        self.serverKey = serverKey
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The server's public key.
    package let serverKey: String
    package let publicKey: String
    package let secretKey: String

    /// `serverCertificate`: the daemon's public certificate; `ownCertificate`: this client's secret one.
    /// Both nil: plain text; one without the other is an error.
    package static func load(serverCertificate: String?, ownCertificate: String?) throws -> CurveClientKeys? {
        switch (serverCertificate, ownCertificate) {
        case (nil, nil): return nil
        case (let server?, let own?):
            let secret = try CurveCertificate.load(own, secret: true)
            return CurveClientKeys(
                serverKey: try CurveCertificate.load(server).publicKey,
                publicKey: secret.publicKey, secretKey: secret.secretKey ?? "")
        default:
            throw CurveCertificate.Problem.onlyOneOfPair(file: serverCertificate ?? ownCertificate ?? "")
        }
    }

    package func apply(to socket: ZMQSocket) throws(ZMQError) {
        try socket.set(.curveServerKey(serverKey))
        try socket.set(.curvePublicKey(publicKey))
        try socket.set(.curveSecretKey(secretKey))
    }
}
