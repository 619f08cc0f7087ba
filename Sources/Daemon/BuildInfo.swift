/// What `--version` reports: ours, and the libzmq we are linked against.
enum BuildInfo {
    static let version = "0.1.0"

    static var versionLine: String { "streamlstmd \(version) (libzmq \(ZMQContext.libraryVersion))" }
}
