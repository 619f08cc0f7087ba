import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools
import ZeroMQ

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
        let keys = try ZMQCurve.keyPair()
        let certificate = CurveCertificate(
            publicKey: keys.publicKey, secretKey: keys.secretKey, metadata: ["name": name])
        guard let output else {
            Swift.print(certificate.text(secret: false) + "\n" + certificate.text(secret: true), terminator: "")
            return
        }
        let folder = URL(fileURLWithPath: output)
        // A folder made here is the owner's alone: it will hold a secret key.
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try SecureFile.writeNew(
            folder.appendingPathComponent("\(name).key"), certificate.text(secret: false), mode: 0o644)
        try SecureFile.writeNew(
            folder.appendingPathComponent("\(name).key_secret"), certificate.text(secret: true), mode: 0o600)
        FileHandle.standardError.write(Data("wrote \(name).key and \(name).key_secret in \(output)\n".utf8))
    }
}
