import Foundation
import StreamLSTM

/// The checkpoint file: every series' state, each entry checked on its own,
/// so that damage costs only the series it touches.
///
///     "SLCP" | version u16 | reserved u16 | written at f64 (unix seconds)
///     entry*: length u32 | series record (SeriesSnapshot.encoded) | CRC-32 u32 of the record
///     end:    0xFFFFFFFF u32 | entry count u64 | CRC-32 u32 of the count
///
/// Little-endian. The end marker tells a complete file from a truncated one.
enum CheckpointFile {
    static let magic: [UInt8] = Array("SLCP".utf8)
    static let version: UInt16 = 1
    static let endMarker: UInt32 = 0xFFFF_FFFF

    static func header(writtenAt time: Double) -> [UInt8] {
        var w = ByteWriter()
        for byte in magic { w.write(byte) }
        w.write(version)
        w.write(UInt16(0))
        w.write(time)
        return w.bytes
    }

    static func entry(_ snapshot: SeriesSnapshot) -> [UInt8] {
        let record = snapshot.encoded()
        var w = ByteWriter()
        w.write(bytes: record)  // length u32, then the record
        w.write(CRC32.checksum(record[...]))
        return w.bytes
    }

    static func end(count: Int) -> [UInt8] {
        var w = ByteWriter()
        w.write(endMarker)
        w.write(UInt64(count))
        var counted = ByteWriter()
        counted.write(UInt64(count))
        w.write(CRC32.checksum(counted.bytes[...]))
        return w.bytes
    }

    /// What reading a file gave: the series it could decode, and what was wrong, if anything.
    struct Contents {
        var snapshots: [SeriesSnapshot] = []
        var writtenAt: Double = 0
        /// Entries whose bytes were damaged (checksum) or undecodable.
        var damaged = 0
        /// Entries made under a configuration whose state has another shape: those series start afresh.
        var incompatible = 0
        /// Why the file as a whole is not sound (bad header, future version, truncated, damaged entries); nil if it is.
        var problem: String?
    }

    static func read(_ bytes: [UInt8], config: PredictorConfig) -> Contents {
        var contents = Contents()
        var r = ByteReader(bytes[...])
        do throws(SerializationError) {
            var magicBytes: [UInt8] = []
            for _ in 0..<4 { magicBytes.append(try r.read(UInt8.self)) }
            guard magicBytes == magic else {
                contents.problem = "not a streamlstmd checkpoint (bad magic number)"
                return contents
            }
            let fileVersion = try r.read(UInt16.self)
            guard fileVersion == version else {
                contents.problem = "checkpoint format version \(fileVersion) is not \(version) (written by another streamlstmd)"
                return contents
            }
            _ = try r.read(UInt16.self)
            contents.writtenAt = try r.readDouble()
            while true {
                let length = try r.read(UInt32.self)
                if length == endMarker {
                    let count = try r.read(UInt64.self)
                    _ = try r.read(UInt32.self)
                    let held = contents.snapshots.count + contents.damaged + contents.incompatible
                    if count != UInt64(held) {
                        contents.problem = "the end marker counts \(count) series, the file holds \(held)"
                    }
                    break
                }
                guard r.remaining >= Int(length) + 4 else {
                    throw SerializationError.truncated(needed: r.offset + Int(length) + 4, available: bytes.count)
                }
                let start = r.offset
                let record = bytes[start..<(start + Int(length))]
                try r.skip(Int(length))
                let stored = try r.read(UInt32.self)
                guard stored == CRC32.checksum(record) else {
                    contents.damaged += 1
                    continue
                }
                do throws(SerializationError) {
                    contents.snapshots.append(try SeriesSnapshot.decode(record, config: config))
                } catch {
                    if case .incompatible = error { contents.incompatible += 1 } else { contents.damaged += 1 }
                }
            }
        } catch {
            contents.problem = "truncated after \(contents.snapshots.count) series (\(error))"
        }
        if contents.problem == nil && contents.damaged > 0 {
            contents.problem = "\(contents.damaged) damaged series records"
        }
        return contents
    }
}
