import ArgumentParser
import Foundation
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd feedback`: tell a running daemon that a stretch of a series was normal or an anomaly.
struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Tell a running daemon that a stretch of a series was normal (a false alert) or an anomaly.",
        discussion: """
            normal: the series' open alert resolves (reason feedback), its scorer learns the stretch and \
            counts the tests that alerted for less, and its next training job is made whatever the alert \
            state. anomaly: the stretch is taken back out of the scorer's fits, the model does not learn \
            it, and where no alert fired, the tests that came closest count for more. The sensitivity \
            changes are bounded (0.25-4) and fade over about 2,000 samples. Every verdict is kept in the \
            state directory (feedback.jsonl, and feedback.json in NAB's windows format for `evaluate \
            --labels`). Sends POST /feedback to the daemon's HTTP address.
            """
    )

    @Option(help: "The series key, as /series lists it.")
    var series: String

    @Option(help: "Start of the stretch: unix seconds or RFC 3339, in the samples' own time.")
    var from: String

    @Option(help: "End of the stretch (inclusive).")
    var to: String

    @Argument(help: "normal or anomaly.")
    var verdict: String

    @Option(help: "A note kept with the verdict.")
    var note: String?

    @OptionGroup var daemon: DaemonClientOptions

    func run() throws {
        guard let verdict = Verdict(rawValue: verdict) else {
            throw ValidationError("the verdict is normal or anomaly, not \"\(self.verdict)\"")
        }
        let feedback: Feedback
        do {
            feedback = try Feedback(
                series: series, from: try Feedback.time(from, "--from"), to: try Feedback.time(to, "--to"),
                verdict: verdict, note: note)
        } catch {
            throw ValidationError(error.description)
        }
        let answer = try daemon.request("POST", "/feedback", body: feedback.json)
        if answer.status == 202 {
            // Queued behind a busy shard: it will be applied and kept.
            FileHandle.standardError.write(Data("streamlstmd: \(answer.body)".utf8))
            return
        }
        if answer.status == 500 {
            // Applied, but the state directory could not keep it.
            FileHandle.standardError.write(Data("streamlstmd: \(answer.body)".utf8))
            throw ExitCode(EX_IOERR)
        }
        guard answer.status == 200 else { throw DaemonClientOptions.refused(status: answer.status, body: answer.body) }
        print(answer.body, terminator: "")
    }
}
