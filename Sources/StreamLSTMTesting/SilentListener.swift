import Foundation
import StreamLSTMDaemon

/// A loopback TCP socket that listens and never accepts.
package struct SilentListener {
    package let descriptor: Int32
    package let port: UInt16

    package init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw RunningDaemon.Failure("listener: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw RunningDaemon.Failure("getsockname: errno \(errno)") }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    package func close() {
        Glibc.close(descriptor)
    }
}

/// A loopback TCP port nothing listens on (just now: another process could take it meanwhile).
package func unusedLoopbackPort() throws -> UInt16 {
    let listener = try SilentListener()
    listener.close()
    return listener.port
}
