import Foundation

/// The public keys allowed to connect to one CURVE socket: every public
/// certificate in a folder (secret ones are skipped), each key named by its
/// certificate's `name`, else its file name. Read at start and on SIGHUP.
package struct AllowList: Sendable, Equatable {
    package let folder: String
    /// Z85 public key → the name ZAP gives its peer as user id.
    package let names: [String: String]

    /// Reads the folder; a folder that cannot be read, or a certificate in it that does not parse, is an error.
    package static func load(_ folder: String) throws(CurveCertificate.Problem) -> AllowList {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            throw .unreadable(file: folder, folder: true, reason: error.localizedDescription)
        }
        var names: [String: String] = [:]
        for file in files where !file.hasPrefix(".") && !file.hasSuffix("_secret") {
            let path = (folder as NSString).appendingPathComponent(file)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                continue
            }
            let certificate = try CurveCertificate.load(path)
            let name = certificate.name.flatMap { $0.isEmpty ? nil : $0 } ?? (file as NSString).deletingPathExtension
            names[certificate.publicKey] = name
        }
        return AllowList(folder: folder, names: names)
    }
}
