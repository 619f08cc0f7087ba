import Foundation
import Logging
import StreamLSTM
import Testing

@testable import StreamLSTMDaemon

/// Failures a caller can tell apart by value: the call, what it was called on, and errno.
@Suite("Error values")
struct ErrorValueTests {
    @Test("A port already taken is a bind failure with EADDRINUSE, naming the address")
    func portTaken() throws {
        let first = try BoundedHTTPServer(host: "127.0.0.1", port: 0, routes: [], logger: Logger(label: "test"))
        let port = UInt16(first.address.split(separator: ":").last!)!
        #expect {
            _ = try BoundedHTTPServer(host: "127.0.0.1", port: port, routes: [], logger: Logger(label: "test"))
        } throws: { error in
            guard case .system(let failure) = error as? HTTPServerError else { return false }
            return failure.operation == "bind" && failure.code == EADDRINUSE && failure.target == "127.0.0.1:\(port)"
        }
        #expect(throws: HTTPServerError.notIPv4("localhost")) {
            try BoundedHTTPServer(host: "localhost", port: 0, routes: [], logger: Logger(label: "test"))
        }
    }

    @Test("A checkpoint that cannot be written says which call failed on which file, with its errno")
    func checkpointWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("errors-\(UUID().uuidString)")
        let store = try CheckpointStore(directory: directory.path)
        // The temporary file's place is taken by a folder: opening it for writing fails with EISDIR.
        try FileManager.default.createDirectory(
            at: DurableFile.temporary(for: store.file), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            _ = try store.write([])
        } throws: { error in
            guard case .write(let failure) = error as? CheckpointError else { return false }
            return failure == SystemCallError("open", DurableFile.temporary(for: store.file).path, code: EISDIR)
        }
        // A state directory under a file cannot be made.
        let file = directory.appendingPathComponent("a-file")
        FileManager.default.createFile(atPath: file.path, contents: Data())
        #expect {
            _ = try CheckpointStore(directory: file.appendingPathComponent("state").path)
        } throws: { error in
            guard case .directory(let path, _) = error as? CheckpointError else { return false }
            return path == file.appendingPathComponent("state").path
        }
    }

    @Test("A file that cannot be mapped is an open failure with ENOENT")
    func mapMissing() {
        #expect(throws: SystemCallError("open", "/nonexistent/series.ckpt", code: ENOENT)) {
            _ = try MappedFile(path: "/nonexistent/series.ckpt")
        }
    }
}
