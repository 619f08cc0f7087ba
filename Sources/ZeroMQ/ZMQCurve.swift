import CZMQ

/// CurveZMQ (RFC 26) keys as libzmq makes and checks them: 32-byte keys in
/// Z85 text, 40 characters.
package enum ZMQCurve {
    package struct KeyPair: Sendable, Equatable {
        package let publicKey: String
        package let secretKey: String
    }

    /// Whether the libzmq linked in was built with CURVE (libsodium).
    package static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// libzmq 4.3.2 fixed a remote code execution in CURVE handshakes (CVE-2019-13132).
    package static var libraryIsSafe: Bool {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch) >= (4, 3, 2)
    }

    /// A new key pair from libsodium's random source.
    package static func keyPair() throws(ZMQError) -> KeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return KeyPair(publicKey: text(publicKey), secretKey: text(secretKey))
    }

    /// The public key of a secret key; nil if `secretKey` is not a Z85 key.
    package static func publicKey(ofSecret secretKey: String) -> String? {
        guard isKey(secretKey) else { return nil }
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { return nil }
        return text(publicKey)
    }

    /// Whether `key` is 40 characters of Z85 that decode to 32 bytes.
    package static func isKey(_ key: String) -> Bool {
        bytes(ofKey: key) != nil
    }

    /// The 32 bytes of a Z85 key (as ZAP hands client keys over); nil if it is not one.
    package static func bytes(ofKey key: String) -> [UInt8]? {
        guard key.utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, key) != nil ? bytes : nil
    }

    /// The Z85 text of a 32-byte key (as ZAP hands client keys over).
    package static func z85(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, bytes, 32) != nil else { return nil }
        return Self.text(text)
    }

    private static func text(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
