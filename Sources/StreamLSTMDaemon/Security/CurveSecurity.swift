import Foundation
import Logging
import Metrics
import ZeroMQ

/// The daemon's CURVE set-up: the secret key of each server socket, its
/// allow-list by ZAP domain, and the one ZAP handler that judges every
/// handshake. Made before any socket, so that no CURVE socket exists without
/// its handler (without one, libzmq lets in every client that knows the server key).
package final class CurveSecurity: Sendable {
    package struct Server: Sendable {
        package let domain: String
        package let secretKey: String
        package let allowedKeys: String

        /// Makes `socket` a CURVE server of this domain: its handshakes are checked by the ZAP handler.
        package func install(on socket: ZMQSocket) throws(ZMQError) {
            try socket.set(.curveServer(true))
            try socket.set(.curveSecretKey(secretKey))
            try socket.set(.zapDomain(domain))
        }
    }

    /// Why CURVE could not be set up: a clear error at start, or a refused reload.
    /// CURVE configured on a libzmq that cannot do it safely; the library's version named.
    package enum Failure: Error, Equatable, CustomStringConvertible {
        /// libzmq was built without CURVE.
        case curveUnavailable(libraryVersion: String)
        /// libzmq is older than 4.3.2 (CVE-2019-13132).
        case libraryTooOld(libraryVersion: String)

        package var description: String {
            switch self {
            case .curveUnavailable(let version): "CURVE is configured but libzmq \(version) was built without it"
            case .libraryTooOld(let version):
                "CURVE needs libzmq 4.3.2 or later (CVE-2019-13132); this is \(version)"
            }
        }
    }

    /// By ZAP domain: `input0`, `input1`, ... and `alerts`.
    package let servers: [String: Server]
    private let handler: ZAPHandler

    package static func inputDomain(_ index: Int) -> String { "input\(index)" }
    package static let alertsDomain = "alerts"

    /// Nil when no socket is configured for CURVE. `contexts`: every context a CURVE socket will live in.
    package static func start(
        servers configured: [(domain: String, config: CurveServerConfig)], contexts: [ZMQContext],
        metrics: (any MetricsFactory)?,
        logger: Logger
    ) throws -> CurveSecurity? {
        guard !configured.isEmpty else { return nil }
        guard ZMQCurve.isAvailable else {
            throw Failure.curveUnavailable(libraryVersion: "\(ZMQContext.libraryVersion)")
        }
        guard ZMQCurve.libraryIsSafe else {
            throw Failure.libraryTooOld(libraryVersion: "\(ZMQContext.libraryVersion)")
        }
        var servers: [String: Server] = [:]
        for (domain, server) in configured {
            let certificate = try CurveCertificate.load(server.secretKeyFile, secret: true)
            servers[domain] = Server(
                domain: domain, secretKey: certificate.secretKey ?? "", allowedKeys: server.allowedKeys)
        }
        let allowLists = try readAllowLists(servers)
        for (domain, list) in allowLists.sorted(by: { $0.key < $1.key }) {
            logger.info(
                "CURVE on",
                metadata: ["domain": "\(domain)", "allowed_keys": "\(list.names.count)", "folder": "\(list.folder)"])
        }
        let handler = try ZAPHandler(contexts: contexts, allowLists: allowLists, metrics: metrics, logger: logger)
        return CurveSecurity(servers: servers, handler: handler)
    }

    private init(servers: [String: Server], handler: ZAPHandler) {
        self.servers = servers
        self.handler = handler
    }

    private static func readAllowLists(_ servers: [String: Server]) throws(CurveCertificate.Problem) -> [String:
        AllowList]
    {
        var lists: [String: AllowList] = [:]
        for (domain, server) in servers { lists[domain] = try AllowList.load(server.allowedKeys) }
        return lists
    }

    /// Reads every allow-list folder again (SIGHUP); throws, changing nothing, if one cannot be read.
    /// Returns how many keys each domain allows now.
    @discardableResult
    package func reload() throws(CurveCertificate.Problem) -> [String: Int] {
        let lists = try readAllowLists()
        install(lists)
        return lists.mapValues(\.names.count)
    }

    /// Every allow-list as its folder holds it now, in force only once `install`ed: a reload reads
    /// everything that can fail before it changes anything.
    package func readAllowLists() throws(CurveCertificate.Problem) -> [String: AllowList] {
        try Self.readAllowLists(servers)
    }

    package func install(_ lists: [String: AllowList]) {
        handler.update(lists)
    }
}
