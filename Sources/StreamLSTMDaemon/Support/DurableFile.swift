import Foundation

/// Replaces a small file so that a crash leaves the old one or the new one whole, never a mix:
/// a temporary file beside it, written and synced, renamed over it, and the folder synced (a rename
/// is durable only once its folder is). For every file of the state directory: `silences.json` and
/// `feedback.json` whole, checkpoints streamed in chunks (`CheckpointStore`).
package enum DurableFile {
    package typealias Failure = SystemCallError

    /// Where a replacement of `file` is written first (a crash may leave one behind: remove it at start).
    package static func temporary(for file: URL) -> URL {
        file.deletingLastPathComponent().appendingPathComponent(file.lastPathComponent + ".tmp")
    }

    package static func replace(_ file: URL, with bytes: [UInt8]) throws(Failure) {
        try replace(file) { (write) throws(Failure) in try write(bytes) }
    }

    /// As `replace(_:with:)`, the contents handed to `write` by `body` a piece at a time (a
    /// checkpoint of many series need not be held whole).
    package static func replace(
        _ file: URL, writing body: (_ write: ([UInt8]) throws(Failure) -> Void) throws(Failure) -> Void
    ) throws(Failure) {
        let directory = file.deletingLastPathComponent()
        let temporary = temporary(for: file)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .last("open", temporary.path) }
        do throws(Failure) {
            try body { (bytes) throws(Failure) in try writeAll(fd, bytes, name: temporary.path) }
            guard fsync(fd) == 0 else { throw .last("fsync", temporary.path) }
        } catch {
            close(fd)
            unlink(temporary.path)
            throw error
        }
        close(fd)
        guard rename(temporary.path, file.path) == 0 else { throw .last("rename", file.path) }
        let directoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw .last("open", directory.path) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw .last("fsync", directory.path) }
    }

    /// Appends `bytes` to `file` (made if missing) and syncs it before returning: a journal's line.
    package static func append(_ file: URL, _ bytes: [UInt8]) throws(Failure) {
        let fd = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .last("open", file.path) }
        defer { close(fd) }
        try writeAndSync(fd, bytes, name: file.path)
    }

    private static func writeAndSync(_ fd: Int32, _ bytes: [UInt8], name: String) throws(Failure) {
        try writeAll(fd, bytes, name: name)
        guard fsync(fd) == 0 else { throw .last("fsync", name) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .last("write", name) }
            offset += written
        }
    }
}
