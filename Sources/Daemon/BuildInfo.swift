import CZMQ

/// What `--version` reports: ours, and the libzmq we are linked against.
enum BuildInfo {
    static let version = "0.1.0"

    static var zeroMQVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    static var versionLine: String { "streamlstmd \(version) (libzmq \(zeroMQVersion))" }
}
