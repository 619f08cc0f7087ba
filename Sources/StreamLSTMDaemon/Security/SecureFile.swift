import Foundation

/// Files created with their mode from the start, never replacing one that exists.
package enum SecureFile {
    /// Why a file was not written: it exists, or a system call failed (the call, the path, errno).
    package enum Refused: Error, Equatable, CustomStringConvertible {
        case exists(path: String)
        /// `open` failed for another reason than the file existing.
        case create(SystemCallError)
        /// `fchmod`, `write` or `fsync` failed.
        case write(SystemCallError)

        package var description: String {
            switch self {
            case .exists(let path): "\(path) exists: not overwritten"
            case .create(let call): "cannot create \(call.target): \(String(cString: strerror(call.code)))"
            case .write(let call): "cannot write \(call.target): \(String(cString: strerror(call.code)))"
            }
        }
    }

    package static func writeNew(_ url: URL, _ text: String, mode: mode_t) throws(Refused) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw errno == EEXIST ? .exists(path: url.path) : .create(.last("open", url.path))
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard fchmod(fd, mode) == 0 else { throw .write(.last("fchmod", url.path)) }
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw .write(.last("write", url.path))
        }
        guard fsync(fd) == 0 else { throw .write(.last("fsync", url.path)) }
    }
}
