import Foundation
import Testing
@testable import Daemon

@Suite("The streamlstmd command line")
struct CommandLineTests {
    @Test("--version names our version and the libzmq it is linked against")
    func version() throws {
        let outcome = try BuiltBinary.run(["--version"])
        #expect(outcome.status == 0)
        let line = outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line == BuildInfo.versionLine)
        #expect(line.wholeMatch(of: /streamlstmd \d+\.\d+\.\d+ \(libzmq 4\.\d+\.\d+\)/) != nil, "\(line)")
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

    @Test("The demo alerts on each injected incident, once, and never on the clean series")
    func demo() throws {
        let outcome = try BuiltBinary.run(["demo", "--samples", "2700", "--rate", "0"], timeout: 120)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let alerts = outcome.standardOutput.split(separator: "\n").filter { $0.hasPrefix("ALERT") }
        func alertSamples(_ series: String) -> [Int] {
            alerts.filter { $0.contains(" \(series) ") }.compactMap { line in
                line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.flatMap { Int($0) }
            }
        }
        #expect(alertSamples("web01.cpu.user") == [1500])
        #expect(alertSamples("db01.queries_per_s") == [2000])
        #expect(alertSamples("lb01.requests_per_s") == [2500])
        #expect(alertSamples("web02.cpu.user").isEmpty)
        #expect(outcome.standardOutput.contains("3 alerts for 3 injected incidents"))
    }
}
