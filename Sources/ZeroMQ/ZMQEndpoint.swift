import Foundation

/// Endpoints as people type them, made into what libzmq takes: `HOST:PORT` means TCP, and a socket
/// that binds to `localhost` binds to 127.0.0.1 (libzmq binds to an address or an interface name,
/// never a host name: `tcp://localhost:5555` fails with "No such device").
package enum ZMQEndpoint {
    /// Why a text is no endpoint, with what to write instead.
    package struct Problem: Error, Equatable, CustomStringConvertible {
        package let text: String

        package init(text: String) {
            self.text = text
        }
        package var description: String {
            "\"\(text)\" is not an endpoint: write tcp://HOST:PORT or HOST:PORT (ipc://PATH for a local socket)"
        }
    }

    /// `text` as libzmq takes it, for a socket that binds (`binding`) or connects.
    package static func normalized(_ text: String, binding: Bool) throws(Problem) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let scheme = trimmed.range(of: "://") {
            guard trimmed[..<scheme.lowerBound] == "tcp" else { return trimmed }
            return try tcp(String(trimmed[scheme.upperBound...]), original: text, binding: binding)
        }
        return try tcp(trimmed, original: text, binding: binding)
    }

    private static func tcp(_ address: String, original: String, binding: Bool) throws(Problem) -> String {
        guard let colon = address.lastIndex(of: ":"), colon != address.startIndex else { throw Problem(text: original) }
        let host = address[..<colon]
        let port = address[address.index(after: colon)...]
        guard
            port == "*" || (!port.isEmpty && port.allSatisfy(\.isASCIIDigit) && Int(port).map { $0 <= 65_535 } == true),
            !host.contains(where: \.isWhitespace)
        else { throw Problem(text: original) }
        return "tcp://\(binding && host == "localhost" ? "127.0.0.1" : host):\(port)"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
