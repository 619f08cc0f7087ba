import Foundation
import StreamLSTM
import StreamLSTMVocabulary

/// The checkpoint file: every series' state, each entry framed and checked
/// on its own, so that damage costs only the entries it touches.
///
///     header: "SLCP" | version u16 | reserved u16 | written at f64 (unix seconds) | CRC-32 u32 of the 16 bytes before
///     entry*: marker "SLSE" | length u32 | CRC-32 u32 of marker and length | series record | CRC-32 u32 of the record
///     end:    0xFFFFFFFF u32 | entry count u64 | CRC-32 u32 of the count
///
/// Little-endian. A frame's own checksum covers its marker and length, so a
/// reader that meets a damaged frame scans on to the next marker whose
/// checksum holds: a flipped bit in a length loses that entry, not the rest.
/// A damaged header is read past the same way; only a sound header of
/// another version stops the reader. The end marker tells a complete file
/// from a truncated one.
package enum CheckpointFile {
    package static let magic: [UInt8] = Array("SLCP".utf8)
    /// The version written; `readableVersions` are read (2 has no series presence).
    package static let version: UInt16 = SeriesRecord.formatVersion
    package static let readableVersions: ClosedRange<UInt16> = 2...version
    package static let entryMarker: UInt32 = 0x4553_4C53  // the bytes "SLSE", little-endian
    package static let endMarker: UInt32 = 0xFFFF_FFFF
    package static let headerSize = 20
    /// Marker, length and their checksum.
    package static let frameSize = 12

    package static func header(writtenAt time: Double) -> [UInt8] {
        var w = ByteWriter()
        for byte in magic { w.write(byte) }
        w.write(version)
        w.write(UInt16(0))
        w.write(time)
        w.write(CRC32.checksum(w.bytes[...]))
        return w.bytes
    }

    package static func entry(_ snapshot: SeriesSnapshot) -> [UInt8] {
        let record = snapshot.encoded()
        var frame = ByteWriter()
        frame.write(entryMarker)
        frame.write(UInt32(record.count))
        frame.write(CRC32.checksum(frame.bytes[...]))
        var recordChecksum = ByteWriter()
        recordChecksum.write(CRC32.checksum(record[...]))
        return frame.bytes + record + recordChecksum.bytes
    }

    package static func end(count: Int) -> [UInt8] {
        var w = ByteWriter()
        w.write(endMarker)
        w.write(UInt64(count))
        var counted = ByteWriter()
        counted.write(UInt64(count))
        w.write(CRC32.checksum(counted.bytes[...]))
        return w.bytes
    }

    /// Seconds since `writtenAt`, in words that never trap (a clock set wrong is possible).
    package static func age(writtenAt: Double, now: Double = Date().timeIntervalSince1970) -> String {
        let age = now - writtenAt
        return abs(age) < 1e15 ? String(Int64(age)) : "unknown"
    }

    /// What reading a file gave: the series it could decode, and what was wrong, if anything.
    package struct Contents {
        package var snapshots: [SeriesSnapshot] = []
        /// When the file was written; nil when its header was damaged.
        package var writtenAt: Double?
        /// Entries whose bytes were damaged (checksum) or undecodable.
        package var damaged = 0
        /// Entries made under a configuration whose state has another shape: those series start afresh.
        package var incompatible = 0
        /// Why the file as a whole is not sound (bad header, other version, truncated, damaged entries); nil if it is.
        package var problem: String?
    }

    package static func read(_ bytes: [UInt8], config: PredictorConfig) -> Contents {
        bytes.withUnsafeBytes { read($0, config: config) }
    }

    /// Reads a file's bytes where they lie: in an array, or mapped from the file itself.
    package static func read(_ bytes: UnsafeRawBufferPointer, config: PredictorConfig) -> Contents {
        var contents = Contents()
        var problems: [String] = []
        // Unknown when the header is damaged: each entry is then read as the current version, else as the last.
        var formatVersion: UInt16?
        if let header = try? readHeader(bytes) {
            guard header.magicMatches else {
                contents.problem = "not a streamlstmd checkpoint (bad magic number)"
                return contents
            }
            guard readableVersions.contains(header.version) else {
                contents.problem =
                    "checkpoint format version \(header.version) is not one of \(readableVersions) (written by another streamlstmd)"
                return contents
            }
            contents.writtenAt = header.writtenAt
            formatVersion = header.version
        } else {
            problems.append("damaged header")
        }
        var offset = headerSize
        var skippedBytes = 0
        // Sound frames found by the scan; the end marker's count, and what the scan had seen by then.
        var entries: [Range<Int>] = []
        var endCount: UInt64?
        var damagedBeforeEnd = 0
        var entriesBeforeEnd = 0
        var ended = false
        while offset + 4 <= bytes.count {
            guard let frame = frame(in: bytes, at: offset) else {
                offset += 1
                skippedBytes += 1
                continue
            }
            if skippedBytes > 0 {
                // Bytes that belonged to no sound frame: at least one entry was lost there.
                contents.damaged += 1
                skippedBytes = 0
            }
            switch frame {
            case .end(let count):
                endCount = count
                damagedBeforeEnd = contents.damaged
                entriesBeforeEnd = entries.count
                ended = true
            case .entry(let length):
                let start = offset + frameSize
                guard start + length + 4 <= bytes.count else {
                    offset = bytes.count
                    continue
                }
                entries.append(start..<(start + length))
                offset = start + length + 4
                continue
            }
            break
        }
        // The entries are checked and decoded on every core: restore is most of a restart's wait.
        for outcome in decodeInParallel(entries, in: bytes, config: config, formatVersion: formatVersion) {
            switch outcome {
            case .restored(let snapshot): contents.snapshots.append(snapshot)
            case .damaged: contents.damaged += 1
            case .incompatible: contents.incompatible += 1
            }
        }
        if let endCount, endCount != UInt64(entriesBeforeEnd + damagedBeforeEnd) {
            problems.append(
                "the end marker counts \(endCount) series, the file holds \(entriesBeforeEnd + damagedBeforeEnd)")
        }
        if skippedBytes > 0 { contents.damaged += 1 }
        if !ended { problems.insert("truncated after \(contents.snapshots.count) series (no end marker)", at: 0) }
        if contents.damaged > 0 { problems.append("\(contents.damaged) damaged series records") }
        contents.problem = problems.isEmpty ? nil : problems.joined(separator: "; ")
        return contents
    }

    private enum Outcome {
        case restored(SeriesSnapshot)
        case damaged, incompatible
    }

    /// Each entry's checksum (the 4 bytes after it) checked and its series decoded, in file order.
    private static func decodeInParallel(
        _ entries: [Range<Int>], in bytes: UnsafeRawBufferPointer, config: PredictorConfig, formatVersion: UInt16?
    ) -> [Outcome] {
        let chunk = 256
        let chunks = (entries.count + chunk - 1) / chunk
        let results = Protected<[[Outcome]]>(Array(repeating: [], count: chunks))
        let shared = ReadOnlyBytes(bytes: bytes)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let bytes = shared.bytes
            let decoded = entries[(c * chunk)..<min((c + 1) * chunk, entries.count)].map { range -> Outcome in
                let entry = UnsafeRawBufferPointer(rebasing: bytes[range])
                guard loadUInt32(bytes, at: range.upperBound) == CRC32.checksum(entry) else { return .damaged }
                var outcome = Outcome.damaged
                let record = Array(entry)[...]  // copied once, whichever versions are tried
                for version in formatVersion.map({ [$0] }) ?? readableVersions.reversed() {
                    do throws(SerializationError) {
                        return .restored(try SeriesSnapshot.decode(record, config: config, formatVersion: version))
                    } catch {
                        if case .incompatible = error { outcome = .incompatible }
                    }
                }
                return outcome
            }
            results.withLock { $0[c] = decoded }
        }
        return results.withLock { $0 }.flatMap { $0 }
    }

    /// Bytes every decoding thread reads and none writes, and that outlive them all
    /// (`concurrentPerform` returns when the last is done).
    private struct ReadOnlyBytes: @unchecked Sendable {
        package let bytes: UnsafeRawBufferPointer
    }

    private struct Header {
        package let magicMatches: Bool
        package let version: UInt16
        package let writtenAt: Double
    }

    /// The header, if its checksum holds.
    private static func readHeader(_ bytes: UnsafeRawBufferPointer) throws(SerializationError) -> Header? {
        guard bytes.count >= headerSize else { return nil }
        let front = Array(bytes[0..<headerSize])
        var r = ByteReader(front[16..<headerSize])
        guard try r.read(UInt32.self) == CRC32.checksum(front[0..<16]) else { return nil }
        var h = ByteReader(front[4..<16])
        let fileVersion = try h.read(UInt16.self)
        _ = try h.read(UInt16.self)
        return Header(magicMatches: Array(front[0..<4]) == magic, version: fileVersion, writtenAt: try h.readDouble())
    }

    private enum Frame {
        case entry(length: Int)
        case end(count: UInt64)
    }

    /// A sound frame starting at `offset`, or nil.
    private static func frame(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Frame? {
        guard offset + frameSize <= bytes.count else { return nil }
        let marker = loadUInt32(bytes, at: offset)
        if marker == entryMarker {
            guard
                loadUInt32(bytes, at: offset + 8)
                    == CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 8)]))
            else { return nil }
            return .entry(length: Int(loadUInt32(bytes, at: offset + 4)))
        }
        if marker == endMarker, offset + 16 <= bytes.count {
            guard
                loadUInt32(bytes, at: offset + 12)
                    == CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 12)]))
            else { return nil }
            return .end(count: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self)))
        }
        return nil
    }

    /// The little-endian u32 at `offset` (the caller has checked that it lies inside).
    private static func loadUInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
