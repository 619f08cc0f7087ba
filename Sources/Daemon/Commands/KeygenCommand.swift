import ArgumentParser
import Foundation
import StreamLSTMDaemon

/// `streamlstmd keygen`: a CURVE key pair as czmq certificates.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a CURVE key pair: DIR/NAME.key (public) and DIR/NAME.key_secret (secret, mode 0600).",
        discussion:
            "The files are czmq certificates, interchangeable with czmq's and pyzmq's. Existing files are never overwritten."
    )

    @Option(help: "Folder to write the pair in.")
    var output: String?

    @Option(help: "Name of the pair (file names and the certificates' metadata name).")
    var name: String

    @Flag(help: "Write both certificates to standard output instead (the secret one last).")
    var print = false

    func validate() throws {
        guard print != (output != nil) else { throw ValidationError("give exactly one of --output and --print") }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw ValidationError("--name must be a plain file name")
        }
    }

    func run() throws {
        let certificate = try CurveCertificate.generate(name: name)
        guard let output else {
            Swift.print(certificate.text(secret: false) + "\n" + certificate.text(secret: true), terminator: "")
            return
        }
        try certificate.writePair(in: URL(fileURLWithPath: output), name: name)
        FileHandle.standardError.write(Data("wrote \(name).key and \(name).key_secret in \(output)\n".utf8))
    }
}
