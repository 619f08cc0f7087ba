/// Why bytes could not be turned back into a predictor.
public enum SerializationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes do not start with the predictor record's magic number.
    case badMagic
    /// Written by a newer (or unknown) format version.
    case unsupportedVersion(UInt16)
    /// Fewer bytes than the record needs.
    case truncated(needed: Int, available: Int)
    /// The checksum does not match the contents: the bytes were damaged.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// Well-formed bytes that describe an impossible predictor.
    case invalid(String)
    /// A record made under a configuration whose state has another shape
    /// (model, time features, training interval or window, score window).
    case incompatible(String)

    public var description: String {
        switch self {
        case .badMagic: "not a predictor record (bad magic number)"
        case .unsupportedVersion(let v): "predictor record format version \(v) is not supported"
        case .truncated(let needed, let available):
            "predictor record truncated: needs \(needed) bytes, has \(available)"
        case .checksumMismatch(let stored, let computed):
            "predictor record damaged: checksum \(String(stored, radix: 16)) stored, \(String(computed, radix: 16)) computed"
        case .invalid(let why): "predictor record invalid: \(why)"
        case .incompatible(let why): "predictor record made under another configuration: \(why)"
        }
    }
}

/// Appends little-endian values to a byte buffer.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write<I: FixedWidthInteger>(_ value: I) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Double) { write(value.bitPattern) }
    public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A count, then every float's bit pattern: bit-exact, NaN payloads included.
    public mutating func write(_ values: [Float]) {
        write(UInt32(values.count))
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values { write(value.bitPattern) }
    }

    /// A count, then every half's bit pattern.
    public mutating func write(_ values: [Float16]) {
        write(UInt32(values.count))
        bytes.reserveCapacity(bytes.count + 2 * values.count)
        for value in values { write(value.bitPattern) }
    }

    /// A count, then every value.
    public mutating func write(_ values: [UInt16]) {
        write(UInt32(values.count))
        bytes.reserveCapacity(bytes.count + 2 * values.count)
        for value in values { write(value) }
    }

    /// A count, then the bytes.
    public mutating func write(bytes more: [UInt8]) {
        write(UInt32(more.count))
        bytes.append(contentsOf: more)
    }

    public mutating func overwrite(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (k, byte) in raw.enumerated() { bytes[offset + k] = byte }
        }
    }
}

/// Reads little-endian values, refusing to read past the end.
public struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    public private(set) var offset: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    public var remaining: Int { bytes.endIndex - offset }

    public mutating func read<I: FixedWidthInteger>(_: I.Type = I.self) throws(SerializationError) -> I {
        let size = MemoryLayout<I>.size
        guard remaining >= size else { throw .truncated(needed: offset + size, available: bytes.endIndex) }
        var value: I = 0
        for k in 0..<size { value |= I(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }

    public mutating func readDouble() throws(SerializationError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    public mutating func readBool() throws(SerializationError) -> Bool {
        switch try read(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw .invalid("boolean byte \(other)")
        }
    }

    public mutating func readInt() throws(SerializationError) -> Int {
        let value = try read(UInt64.self)
        guard value <= UInt64(Int.max) else { throw .invalid("count \(value) out of range") }
        return Int(value)
    }

    /// Moves past `count` bytes.
    public mutating func skip(_ count: Int) throws(SerializationError) {
        guard count >= 0, remaining >= count else {
            throw .truncated(needed: offset + count, available: bytes.endIndex)
        }
        offset += count
    }

    /// Bytes written by `write(bytes:)`.
    public mutating func readBytes() throws(SerializationError) -> [UInt8] {
        Array(try readSlice())
    }

    /// The same, where they lie in the reader's bytes (no copy).
    public mutating func readSlice() throws(SerializationError) -> ArraySlice<UInt8> {
        let count = Int(try read(UInt32.self))
        guard remaining >= count else { throw .truncated(needed: offset + count, available: bytes.endIndex) }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Values written by `write(_: [UInt16])`.
    public mutating func readUInt16s() throws(SerializationError) -> [UInt16] {
        try readArray(of: UInt16.self) { $0 }
    }

    /// Halves written by `write(_: [Float16])`.
    public mutating func readHalves() throws(SerializationError) -> [Float16] {
        try readArray(of: UInt16.self, Float16.init(bitPattern:))
    }

    public mutating func readFloats() throws(SerializationError) -> [Float] {
        try readArray(of: UInt32.self, Float.init(bitPattern:))
    }

    /// A count, then that many values stored as their little-endian bit patterns `Bits`.
    @inline(__always)
    private mutating func readArray<Value, Bits: FixedWidthInteger>(
        of _: Bits.Type, _ value: (Bits) -> Value
    ) throws(SerializationError) -> [Value] {
        precondition(MemoryLayout<Value>.size == MemoryLayout<Bits>.size, "a value is its bit pattern")
        let size = MemoryLayout<Bits>.size
        let count = Int(try read(UInt32.self))
        guard remaining >= size * count else {
            throw .truncated(needed: offset + size * count, available: bytes.endIndex)
        }
        let start = offset
        offset += size * count
        // Not through `unsafeUninitializedCapacity` for none: that writes the count into the one
        // empty-array storage every thread shares.
        guard count > 0 else { return [] }
        #if _endian(little)
            // The record's little-endian values are this machine's: one copy, not a read per value.
            return [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes[start..<(start + size * count)].withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                }
                initialized = count
            }
        #else
            return (0..<count).map { k in
                var bits: Bits = 0
                for b in 0..<size { bits |= Bits(bytes[start + size * k + b]) << (8 * b) }
                return value(bits)
            }
        #endif
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib and gzip compute it), by slicing-by-8: eight table
/// look-ups per eight bytes instead of one per byte, which is what restoring a checkpoint of a
/// hundred thousand series (over a gigabyte, checked twice) spends most of its time on.
public enum CRC32 {
    /// Eight tables of 256 in a row: entry `256 k + n` is the CRC of byte `n` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = tables[256 * (k - 1) + n]
                tables[256 * k + n] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in tables.withUnsafeBufferPointer { checksum(buffer, tables: $0) } }
    }

    /// Of bytes in memory the caller owns (a mapped file).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { checksum(bytes.assumingMemoryBound(to: UInt8.self), tables: $0) }
    }

    /// The reference: one byte at a time (the tests hold the fast path to it).
    public static func checksumBytewise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = tables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, tables t: UnsafeBufferPointer<UInt32>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let low =
                crc
                ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                    | UInt32(bytes[i + 3]) << 24)
            crc =
                t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int(low >> 8 & 0xFF)]
                ^ t[5 * 256 + Int(low >> 16 & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])]
                ^ t[1 * 256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
            i += 8
        }
        while i < n {
            crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
            i += 1
        }
        return crc ^ 0xFFFF_FFFF
    }
}
