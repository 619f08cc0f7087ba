import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

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

    @Test("A verdict that cannot be kept names the journal's file, its path, the call and errno")
    func feedbackJournal() throws {
        let directory = try makeTemporaryFolder("feedback")
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = FeedbackJournal(directory: directory.path, logger: Logger(label: "test"))
        // The journal's place is taken by a folder: opening it to append fails with EISDIR.
        try FileManager.default.createDirectory(at: journal.journalURL, withIntermediateDirectories: true)
        let verdict = try Feedback(series: "cpu", from: 1, to: 2, verdict: .normal)
        #expect(
            throws: FeedbackJournalError(
                file: .journal, path: journal.journalURL.path,
                failure: SystemCallError("open", journal.journalURL.path, code: EISDIR))
        ) {
            try journal.record(verdict)
        }
    }

    @Test("A key file is never overwritten, and one that cannot be created says why by errno")
    func secureFile() throws {
        let directory = try makeTemporaryFolder("keys")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.key")
        try SecureFile.writeNew(file, "first", mode: 0o600)
        #expect(throws: SecureFile.Refused.exists(path: file.path)) {
            try SecureFile.writeNew(file, "second", mode: 0o600)
        }
        let nowhere = directory.appendingPathComponent("missing/b.key")
        #expect(throws: SecureFile.Refused.create(SystemCallError("open", nowhere.path, code: ENOENT))) {
            try SecureFile.writeNew(nowhere, "text", mode: 0o600)
        }
        #expect("\(SecureFile.Refused.exists(path: file.path))" == "\(file.path) exists: not overwritten")
    }

    @Test("A certificate that cannot be used says which file and what is wrong with it")
    func certificateProblems() throws {
        let directory = try makeTemporaryFolder("certs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = try writeFile("garbage.key", in: directory, "not a certificate")
        #expect(throws: CurveCertificate.Problem.noPublicKey(file: garbage.path)) {
            try CurveCertificate.load(garbage.path)
        }
        let missing = directory.appendingPathComponent("missing.key").path
        #expect {
            try CurveCertificate.load(missing)
        } throws: { error in
            guard case .unreadable(let file, let folder, _) = error as? CurveCertificate.Problem else { return false }
            return file == missing && !folder
        }
        #expect(throws: CurveCertificate.Problem.onlyOneOfPair(file: garbage.path)) {
            try CurveClientKeys.load(serverCertificate: garbage.path, ownCertificate: nil)
        }
    }

    @Test("A name and labels that make no key say which rule they broke")
    func seriesKeyProblems() {
        #expect(throws: SeriesKey.Problem.badSeriesName("")) { try SeriesKey.make(name: "", labels: []) }
        #expect(throws: SeriesKey.Problem.emptyLabelName(series: "cpu")) {
            try SeriesKey.make(name: "cpu", labels: [("", "a")])
        }
        #expect(throws: SeriesKey.Problem.labelTwice("host_name", series: "cpu")) {
            try SeriesKey.make(name: "cpu", labels: [("host-name", "a"), ("host_name", "b")])
        }
    }

    @Test("A part that died is named with the error that ended it")
    func componentFailed() {
        let failure = ComponentFailed.input(
            endpoints: ["tcp://127.0.0.1:5555"], ZMQError(code: EPROTO, operation: "zmq_msg_recv"))
        guard case .input(let endpoints, let error) = failure else { return }
        #expect(endpoints == ["tcp://127.0.0.1:5555"] && error.code == EPROTO)
        #expect(failure.part.hasPrefix("input tcp://127.0.0.1:5555 stopped: "))
        #expect(failure.description.hasSuffix(": the daemon stops so that it can be restarted whole"))
    }
}
