import Foundation
import ZeroMQ

/// A CURVE certificate in czmq's format (ZPL, ZeroMQ RFC 4): a `metadata`
/// section (name and whatever else) and a `curve` section with the Z85
/// `public-key` and, in the secret file only, `secret-key`. Files made by
/// czmq, pyzmq's `zmq.auth.create_certificates` and `streamlstmd keygen`
/// are interchangeable.
package struct CurveCertificate: Sendable, Equatable {
    package let publicKey: String
    /// Nil in a public certificate.
    package let secretKey: String?
    package var metadata: [String: String] = [:]

    package var name: String? { metadata["name"] }

    /// Why a certificate file was refused.
    /// A certificate (or a folder of them) that cannot be used: which file, and what is wrong with it.
    package enum Problem: Error, Equatable, CustomStringConvertible {
        /// The file, or the allow-list folder, could not be read (Foundation's reason).
        case unreadable(file: String, folder: Bool, reason: String)
        /// No `curve` section with a valid `public-key`.
        case noPublicKey(file: String)
        /// A secret certificate without a `secret-key` whose public key is the one it names.
        case secretKeyMismatch(file: String)
        /// A client given the server's certificate without its own, or its own without the server's.
        case onlyOneOfPair(file: String)

        package var file: String {
            switch self {
            case .unreadable(let file, _, _), .noPublicKey(let file), .secretKeyMismatch(let file),
                .onlyOneOfPair(let file):
                file
            }
        }

        package var description: String {
            switch self {
            case .unreadable(let file, let folder, let reason):
                "\(file): cannot read\(folder ? " the folder" : ""): \(reason)"
            case .noPublicKey(let file): "\(file): no valid curve public-key"
            case .secretKeyMismatch(let file): "\(file): no curve secret-key that matches its public-key"
            case .onlyOneOfPair(let file): "\(file): give both --curve-server-key and --curve-key"
            }
        }
    }

    package init(publicKey: String, secretKey: String?, metadata: [String: String] = [:]) {
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.metadata = metadata
    }

    /// Reads a certificate; a secret one must hold a secret key whose public key is the one it names.
    package static func load(_ path: String, secret: Bool = false) throws(Problem) -> CurveCertificate {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(file: path, folder: false, reason: error.localizedDescription)
        }
        let sections = parse(text)
        guard let publicKey = sections["curve"]?["public-key"], ZMQCurve.isKey(publicKey) else {
            throw .noPublicKey(file: path)
        }
        let secretKey = sections["curve"]?["secret-key"]
        if secret {
            guard let secretKey, ZMQCurve.publicKey(ofSecret: secretKey) == publicKey else {
                throw .secretKeyMismatch(file: path)
            }
        }
        return CurveCertificate(
            publicKey: publicKey, secretKey: secret ? secretKey : nil,
            metadata: sections["metadata"] ?? [:])
    }

    /// `section → name → value` from ZPL text: sections at the left margin, `name = "value"` indented under them.
    package static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var section = ""
        for raw in text.split(whereSeparator: \.isNewline) {
            // Only whole lines are comments: Z85 keys may hold a `#`.
            let line = Substring(raw)
            let content = line.trimmingCharacters(in: .whitespaces)
            guard !content.isEmpty, !content.hasPrefix("#") else { continue }
            let indented = line.first?.isWhitespace ?? false
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard indented, let equals = trimmed.firstIndex(of: "=") else {
                section = trimmed
                continue
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            sections[section, default: [:]][name] = value
        }
        return sections
    }

    /// The certificate's text: the secret file when `secret`, else the public one.
    /// A new key pair named `name` (in the certificates' metadata).
    package static func generate(name: String) throws(ZMQError) -> CurveCertificate {
        let keys = try ZMQCurve.keyPair()
        return CurveCertificate(publicKey: keys.publicKey, secretKey: keys.secretKey, metadata: ["name": name])
    }

    /// Writes `folder/name.key` (public, 0644) and `folder/name.key_secret` (0600), never over an
    /// existing file; a folder made here is the owner's alone, as it holds a secret key.
    package func writePair(in folder: URL, name: String) throws {
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try SecureFile.writeNew(folder.appendingPathComponent("\(name).key"), text(secret: false), mode: 0o644)
        try SecureFile.writeNew(folder.appendingPathComponent("\(name).key_secret"), text(secret: true), mode: 0o600)
    }

    package func text(secret: Bool, generatedAt date: Date = Date()) -> String {
        var lines = ["#   ****  Generated on \(ISO8601DateFormatter().string(from: date)) by streamlstmd  ****"]
        if secret {
            lines += [
                "#   ZeroMQ CURVE **Secret** Certificate",
                "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
            ]
        } else {
            lines += [
                "#   ZeroMQ CURVE Public Certificate",
                "#   Exchange securely, or use a secure mechanism to verify the contents",
                "#   of this file after exchange.",
            ]
        }
        lines += ["", "metadata"]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { lines.append("    \(name) = \"\(value)\"") }
        lines += ["curve", "    public-key = \"\(publicKey)\""]
        if secret, let secretKey { lines.append("    secret-key = \"\(secretKey)\"") }
        return lines.joined(separator: "\n") + "\n"
    }
}
