import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd publish`: send a recording as a live stream.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Send recordings (CSV or NDJSON) as a live metric stream over ZeroMQ.",
        discussion: """
            Waits until a subscriber has joined (PUB/SUB drops what is sent before), then \
            sends the samples in file order as JSON batches, with their recorded timestamps.
            """
    )

    @Argument(help: "CSV (timestamp,value or series,timestamp,value) or NDJSON files.")
    var files: [String]

    @Option(help: "Connect to a daemon's input (its --listen endpoint).")
    var connect: String?

    @Option(help: "Bind here and let daemons connect (their --connect endpoint).")
    var bind: String?

    @Option(help: "Samples per second (0: as fast as possible).")
    var rate: Double = 0

    @Option(help: "Samples per message.")
    var batch: Int = 100

    @Option(help: "Topic frame of every message.")
    var topic: String = "metrics"

    @Option(help: "Seconds to wait for a subscriber.")
    var wait: Double = 10

    @OptionGroup var curve: CurveClientOptions

    func validate() throws {
        guard (connect == nil) != (bind == nil) else {
            throw ValidationError("give exactly one of --connect and --bind")
        }
        guard rate >= 0 else { throw ValidationError("--rate must be >= 0") }
        guard batch >= 1 else { throw ValidationError("--batch must be >= 1") }
        guard wait > 0 else { throw ValidationError("--wait must be > 0") }
    }

    func run() throws {
        var samples: [RecordedSample] = []
        for file in files { samples += try RecordingReader.read(URL(fileURLWithPath: file)) }
        // A recording is finite: the producer queues rather than drops.
        let producer: Producer
        do {
            producer = try Producer(connect: connect, bind: bind, wait: wait, curve: try curve.keys())
        } catch ProducerError.zeroMQ(let error) where error.code == EINVAL {
            throw ValidationError("\(error)")  // an address that is no address: a usage error (64)
        } catch {
            // Nobody subscribed, or the address is taken: nothing wrong with the command (69, no usage text).
            FileHandle.standardError.write(Data("streamlstmd: \(error)\n".utf8))
            throw ExitCode(EX_UNAVAILABLE)
        }
        let start = Date()
        let sent = try producer.publish(samples, topic: topic, batch: batch, rate: rate)
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write(
            Data(
                ("published \(counted(sent, "sample")) from \(counted(files.count, "file")) in "
                    + String(format: "%.2f s\n", seconds)).utf8))
        producer.close()  // lingers until the queue is flushed (at most 30 s)
    }
}
