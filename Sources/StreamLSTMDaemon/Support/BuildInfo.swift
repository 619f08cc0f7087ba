import CBuildInfo
import ZeroMQ

/// What `--version` reports: ours, the commit it was built from, and the libzmq we are linked against.
package enum BuildInfo {
    package static let version = "0.1.0"

    /// The commit `make` built from (`STREAMLSTMD_COMMIT`, see Package.swift); nil for a plain `swift build`.
    package static var commit: String? {
        let commit = String(cString: streamlstmd_build_commit())
        return commit.isEmpty ? nil : commit
    }

    package static var versionLine: String {
        "streamlstmd \(version) (commit \(commit ?? "unknown"), libzmq \(ZMQContext.libraryVersion))"
    }
}
