import Foundation

/// Files created with their mode from the start, never replacing one that exists.
package enum SecureFile {
    package struct Refused: Error, CustomStringConvertible {
        package let description: String
    }

    package static func writeNew(_ url: URL, _ text: String, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw Refused(
                description: errno == EEXIST
                    ? "\(url.path) exists: not overwritten"
                    : "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard fchmod(fd, mode) == 0, bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count,
            fsync(fd) == 0
        else {
            throw Refused(description: "cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
