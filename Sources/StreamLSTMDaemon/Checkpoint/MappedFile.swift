import Foundation

/// A file's bytes mapped read-only into memory, for as long as the value lives.
///
/// Restoring a checkpoint reads it once, front to back: mapped, its pages
/// are the page cache's own, where reading it into an array first made the
/// kernel zero a gigabyte of fresh pages and copy the file into them (at
/// 100,000 series, a third of the restore).
package final class MappedFile {
    private let base: UnsafeMutableRawPointer?
    package let count: Int

    package init(path: String) throws(SystemCallError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .last("open", path) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .last("fstat", path) }
        count = Int(status.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        // Populated at once: the whole file is read anyway, and faulting it in page by page costs more.
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .last("mmap", path) }
        madvise(mapped, count, MADV_SEQUENTIAL)
        base = mapped
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The bytes; they must not escape `body` (the mapping ends with this value).
    package func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}
