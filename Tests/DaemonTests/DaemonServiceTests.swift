import Foundation
import Logging
import StreamLSTMTesting
import Testing

@testable import StreamLSTMDaemon

/// The daemon as one service: a failed start names its part and stops what had started; a daemon
/// run inside a tool stops in the service's order, the last checkpoint included.
@Suite("The daemon service")
struct DaemonServiceTests {
    /// A daemon in process that keeps its series in `directory`, checkpointing only when it stops.
    static func keepingState(in directory: URL) -> DaemonConfig {
        var config = DaemonConfig.inProcess(EngineConfig())
        config.stateDirectory = directory.path
        config.checkpointInterval = 3600
        return config
    }

    @Test("An HTTP port already taken is a failed start of the HTTP part, with the bind's EADDRINUSE")
    func httpPortTaken() async throws {
        let taken = try BoundedHTTPServer(host: "127.0.0.1", port: 0, routes: [], logger: Logger(label: "test"))
        var config = DaemonConfig.inProcess(EngineConfig())
        config.http = taken.address
        let daemon = DaemonService(
            config: config, logger: Logger(label: "test"),
            surroundings: .init(levels: LogLevelSwitch(.info)) { [config] in config })
        await #expect {
            try await daemon.run()
        } throws: { error in
            guard let failure = error as? DaemonService.CouldNotStart, failure.part == .http,
                case .system(let call) = failure.underlying as? HTTPServerError
            else { return false }
            return call.operation == "bind" && call.code == EADDRINUSE && call.target == taken.address
        }
    }

    @Test("A failed start leaves the checkpoint on disk as it was: it may be a running daemon's")
    func failedStartWritesNoCheckpoint() async throws {
        let directory = try makeTemporaryFolder("service")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = Self.keepingState(in: directory)
        // A first daemon leaves a checkpoint behind.
        _ = try await DaemonService.withRunning(config: config, logger: Logger(label: "test")) { _ in }
        let checkpoint = directory.appendingPathComponent("series.ckpt")
        let before = try Data(contentsOf: checkpoint)
        let written = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date
        // A second one on the same state directory fails to start (its HTTP port is taken).
        let taken = try BoundedHTTPServer(host: "127.0.0.1", port: 0, routes: [], logger: Logger(label: "test"))
        config.http = taken.address
        let second = DaemonService(
            config: config, logger: Logger(label: "test"),
            surroundings: .init(levels: LogLevelSwitch(.info)) { [config] in config })
        await #expect(throws: DaemonService.CouldNotStart.self) { try await second.run() }
        #expect(try Data(contentsOf: checkpoint) == before)
        let after = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date
        #expect(after == written, "the checkpoint was written again by a start that failed")
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path + ".tmp"))
    }

    @Test("A daemon inside a tool returns what its body returned, after the last checkpoint is written")
    func withRunningStopsInOrder() async throws {
        let directory = try makeTemporaryFolder("service")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = Self.keepingState(in: directory)
        let checkpoint = directory.appendingPathComponent("series.ckpt")
        let endpoint = try await DaemonService.withRunning(config: config, logger: Logger(label: "test")) { runtime in
            // Running: the inputs are open, and no checkpoint is written before the stop.
            #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
            return runtime.inputs[0].endpoints[0]
        }
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(FileManager.default.fileExists(atPath: checkpoint.path))
    }

    @Test("An error of the body is the error withRunning throws, and the daemon still stops")
    func bodyError() async throws {
        struct Stop: Error, Equatable {}
        await #expect(throws: Stop()) {
            try await DaemonService.withRunning(
                config: DaemonConfig.inProcess(EngineConfig()), logger: Logger(label: "test")
            ) { _ in throw Stop() }
        }
    }
}
