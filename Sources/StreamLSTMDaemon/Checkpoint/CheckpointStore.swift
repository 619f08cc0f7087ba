import Foundation
import Logging
import StreamLSTM

/// Why the state directory could not be used or a checkpoint not written.
package enum CheckpointError: Error, CustomStringConvertible {
    /// The state directory could not be made (`reason`: the file system's own error).
    case directory(path: String, reason: String)
    /// Writing, syncing or renaming the checkpoint failed (`ENOSPC`: the disk is full).
    case write(SystemCallError)

    package var description: String {
        switch self {
        case .directory(let path, let reason): "cannot create the state directory \(path): \(reason)"
        case .write(let failure): "\(failure)"
        }
    }
}

/// The state directory: `series.ckpt` with every series, replaced atomically
/// (`DurableFile`: temporary file, fsync, rename, fsync of the directory), so that at any
/// moment the file is either the previous checkpoint or the new one whole.
package struct CheckpointStore: Sendable {
    package let directory: URL
    package var file: URL { directory.appendingPathComponent("series.ckpt") }
    private var temporary: URL { DurableFile.temporary(for: file) }

    package init(directory: String) throws(CheckpointError) {
        self.directory = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw .directory(path: directory, reason: error.localizedDescription)
        }
    }

    /// What one checkpoint wrote.
    package struct Written {
        package let series: Int
        package let bytes: Int
        package let seconds: Double
    }

    /// Encodes and writes every snapshot, then swaps the file in.
    package func write(_ snapshots: [SeriesSnapshot], at time: Double = Date().timeIntervalSince1970)
        throws(CheckpointError)
        -> Written
    {
        let start = DispatchTime.now().uptimeNanoseconds
        var total = 0
        do throws(DurableFile.Failure) {
            try DurableFile.replace(file) { (write) throws(DurableFile.Failure) in
                var buffer = CheckpointFile.header(writtenAt: time)
                buffer.reserveCapacity(1 << 20)
                for snapshot in snapshots {
                    buffer += CheckpointFile.entry(snapshot)
                    if buffer.count >= 1 << 20 {
                        try write(buffer)
                        total += buffer.count
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                buffer += CheckpointFile.end(count: snapshots.count)
                try write(buffer)
                total += buffer.count
            }
        } catch {
            throw .write(error)
        }
        return Written(
            series: snapshots.count, bytes: total,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// What a restore found.
    package struct Restored {
        package var contents = CheckpointFile.Contents()
        /// Where an unsound file was moved to, if one was.
        package var setAside: URL?
        package var seconds = 0.0

        /// The series read.
        package var snapshots: [SeriesSnapshot] { contents.snapshots }
    }

    /// Reads the checkpoint, if there is one. An unsound file (damaged,
    /// truncated, another format version) is renamed `series.ckpt.bad-<time>`
    /// with a log line, and every series that could be read is kept.
    package func restore(config: PredictorConfig, logger: Logger) -> Restored {
        let start = DispatchTime.now().uptimeNanoseconds
        var restored = Restored()
        unlink(temporary.path)  // a checkpoint that was being written when the daemon died
        guard FileManager.default.fileExists(atPath: file.path) else {
            logger.info("no checkpoint in \(directory.path): every series starts afresh")
            return restored
        }
        do {
            let mapped = try MappedFile(path: file.path)
            restored.contents = mapped.withBytes { CheckpointFile.read($0, config: config) }
        } catch {
            restored.contents.problem = "cannot read: \(error)"
        }
        if let problem = restored.contents.problem {
            let aside = directory.appendingPathComponent("series.ckpt.bad-\(Int(Date().timeIntervalSince1970))")
            if rename(file.path, aside.path) == 0 { restored.setAside = aside }
            logger.error(
                "checkpoint unsound: set aside, keeping the series that could be read",
                metadata: [
                    "file": "\(file.path)", "problem": "\(problem)", "set_aside": "\(restored.setAside?.path ?? "-")",
                    "series_kept": "\(restored.snapshots.count)", "series_damaged": "\(restored.contents.damaged)",
                ])
        }
        if restored.contents.incompatible > 0 {
            logger.warning(
                "series saved under a model configuration of another shape start afresh",
                metadata: [
                    "count": "\(restored.contents.incompatible)"
                ])
        }
        restored.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return restored
    }
}
