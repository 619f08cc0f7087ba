import Foundation
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

@Suite("The streamlstmd command line")
struct CommandLineTests {
    @Test("--version names our version, the commit it was built from and the libzmq it is linked against")
    func version() throws {
        let outcome = try BuiltBinary.run(["--version"])
        #expect(outcome.status == 0)
        let line = outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line == BuildInfo.versionLine)
        #expect(
            line.wholeMatch(of: /streamlstmd \d+\.\d+\.\d+ \(commit (unknown|[0-9a-f]{40}), libzmq 4\.\d+\.\d+\)/)
                != nil,
            "\(line)")
    }

    @Test("An HTTP port already taken fails the start as a ZeroMQ one does: logged as critical, exit 69")
    func httpPortTaken() throws {
        let taken = try SilentListener()
        defer { taken.close() }
        let outcome = try BuiltBinary.run(
            [
                "run", "--listen", "tcp://127.0.0.1:*", "--alerts", "tcp://127.0.0.1:*", "--http",
                "127.0.0.1:\(taken.port)", "--training", "off",
            ], timeout: 60)
        #expect(outcome.status == EX_UNAVAILABLE, "\(outcome.standardError)")
        #expect(
            outcome.standardError.contains("could not start")
                && outcome.standardError.contains("Address already in use"))
        #expect(outcome.standardError.contains("bind 127.0.0.1:\(taken.port)"), "\(outcome.standardError)")
    }

    @Test("--help lists the subcommands")
    func help() throws {
        let outcome = try BuiltBinary.run(["--help"])
        #expect(outcome.status == 0)
        for command in ["demo", "bench"] {
            #expect(outcome.standardOutput.contains("  \(command) "), "help does not list \(command)")
        }
    }

    @Test("A bad option is refused with a usage error that names it")
    func badOption() throws {
        let outcome = try BuiltBinary.run(["bench", "model", "--window", "3"])
        #expect(outcome.status == 64)  // EX_USAGE
        #expect(outcome.standardError.contains("--window"))
    }

    @Test(
        "The demo, over loopback ZeroMQ, alerts once on each injected incident, resolves it, and never alerts on the clean series"
    )
    func demo() throws {
        let outcome = try BuiltBinary.run(["demo", "--samples", "2700", "--rate", "0"], timeout: 120)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n")
        /// Sample numbers of the lines of `kind` (FIRING or RESOLVED) for `series`.
        func samples(_ kind: String, _ series: String) -> [Int] {
            lines.compactMap { line in
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[0] == kind, fields[3] == series else { return nil }
                return Int(fields[2])
            }
        }
        #expect(samples("FIRING", "web01.cpu.user") == [1500])
        #expect(samples("FIRING", "db01.queries_per_s") == [2000])
        #expect(samples("FIRING", "lb01.requests_per_s") == [2500])
        #expect(samples("FIRING", "web02.cpu.user").isEmpty)
        for series in ["web01.cpu.user", "db01.queries_per_s", "lb01.requests_per_s"] {
            #expect(samples("RESOLVED", series).count == 1, "\(series) did not resolve once")
        }
        #expect(outcome.standardOutput.contains("3 incidents alerted for 3 injected"))
    }
}
