import CPrefetch

/// Cache prefetches of a series' memory, which a shard asks for a sample or
/// two before the series steps: a daemon's series together are far larger
/// than the caches, and a step that waits for each of its arrays in turn
/// spends most of its time waiting.
///
/// A prefetch never faults and never changes memory, so an address here may
/// be stale or wrong at no cost beyond a wasted line; nothing is ever read
/// through one. That is what lets `storage(of:)` read an array's storage
/// address from the array value itself (no retain, which would write to the
/// storage's header and so wait for exactly the line being prefetched).
enum Prefetch {
    /// The storage header before an array's elements (object header, count, capacity).
    static let arrayHeaderBytes = 32

    /// Asks for `bytes` from `address` on, a 64-byte line at a time.
    @inline(__always)
    static func bytes(_ address: UnsafeRawPointer?, _ count: Int) {
        guard let address else { return }
        streamlstm_prefetch(address, count)
    }

    /// Where an array's storage (header, then elements) lies, read from the array value in place.
    @inline(__always)
    static func storage<T>(of array: inout [T]) -> UnsafeRawPointer? {
        withUnsafeBytes(of: &array) { $0.load(as: UnsafeRawPointer?.self) }
    }

    /// Asks for an array's header (a write's uniqueness check reads it) and the elements in `elements`,
    /// which the caller knows to lie within the array.
    @inline(__always)
    static func array<T>(_ array: inout [T], elements: Range<Int>) {
        guard let storage = storage(of: &array) else { return }
        streamlstm_prefetch(storage, arrayHeaderBytes)
        let stride = MemoryLayout<T>.stride
        streamlstm_prefetch(
            storage + arrayHeaderBytes + elements.lowerBound * stride, max(1, elements.count * stride))
    }
}
