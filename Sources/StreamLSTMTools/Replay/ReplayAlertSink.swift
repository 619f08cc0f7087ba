import Foundation
import Logging
import StreamLSTMDaemon
import StreamLSTMVocabulary
import ZeroMQ

/// Where replay's alerts go: a JSON-lines file and/or a PUB socket.
package final class ReplayAlertSink: AlertSink, @unchecked Sendable {
    // @unchecked: used by the replaying thread only.
    private let log: FileHandle?
    private let publisher: AlertPublisher?
    private let context: ZMQContext?
    private let instance: String
    private var sequence = 0

    package init(logPath: String?, endpoint: String?, instance: String, logger: Logger) throws {
        self.instance = instance
        if logPath == "-" {
            log = FileHandle.standardOutput
        } else if let logPath {
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                throw RecordingError(file: logPath, line: nil, problem: "cannot create the file")
            }
            log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        } else {
            log = nil
        }
        if let endpoint {
            let context = try ZMQContext()
            self.context = context
            publisher = try AlertPublisher(context: context, endpoint: endpoint, instance: instance, logger: logger)
            logger.notice("alerts on \(publisher!.endpoint)")
        } else {
            context = nil
            publisher = nil
        }
    }

    package func take(_ alert: Alert) {
        sequence += 1
        log?.write(Data((alert.json(sequence: sequence, instance: instance) + "\n").utf8))
        publisher?.take(alert)
    }

    package func finish() {
        publisher?.stop()
        try? log?.synchronize()
    }
}
