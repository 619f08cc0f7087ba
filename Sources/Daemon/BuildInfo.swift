import CBuildInfo

/// What `--version` reports: ours, the commit it was built from, and the libzmq we are linked against.
enum BuildInfo {
    static let version = "0.1.0"

    /// The commit `make` built from (`STREAMLSTMD_COMMIT`, see Package.swift); nil for a plain `swift build`.
    static var commit: String? {
        let commit = String(cString: streamlstmd_build_commit())
        return commit.isEmpty ? nil : commit
    }

    static var versionLine: String {
        "streamlstmd \(version) (commit \(commit ?? "unknown"), libzmq \(ZMQContext.libraryVersion))"
    }
}
