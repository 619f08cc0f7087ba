import Foundation

/// systemd's notify protocol: datagrams like `READY=1` to the socket named
/// by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). Without
/// that variable (not under systemd) every call does nothing.
package final class SystemdNotifier: Sendable {
    private let socket: Int32
    private let address: [UInt8]

    /// Nil when `$NOTIFY_SOCKET` is unset, empty or unusable.
    package init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108,
            path.hasPrefix("/") || path.hasPrefix("@")
        else { return nil }
        var bytes = Array(path.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        socket = fd
        address = bytes
    }

    deinit {
        close(socket)
    }

    /// Sends one notification (several `KEY=value` lines may go in one). Best effort and never
    /// blocking: a notify socket nobody reads must not stall the daemon.
    @discardableResult
    package func send(_ state: String) -> Bool {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let payload = Array(state.utf8)
        let sent = withUnsafePointer(to: &addr) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                sendto(socket, payload, payload.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), raw, length)
            }
        }
        return sent == payload.count
    }

    /// `MONOTONIC_USEC=` for RELOADING=1: when the reload began, on CLOCK_MONOTONIC.
    package static var monotonicMicroseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    /// Half of `$WATCHDOG_USEC` in seconds, if systemd expects keep-alives
    /// from this process (`$WATCHDOG_PID`, when set, names it).
    package static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment) -> Double?
    {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return Double(usec) / 2e6
    }
}
