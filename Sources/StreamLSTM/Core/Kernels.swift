/// Allocation-free dense kernels over caller-owned buffers.
///
/// Weight matrices are stored column by column: element (row r, column k) of
/// a `rows × cols` matrix is at `k * rows + r`. The forward product then runs
/// down contiguous columns with eight-wide accumulators held in registers, and
/// the backward products (outer-product update, transposed product) are
/// contiguous too.
///
/// The hot generic functions here and in the cells carry
/// `@_specialize(where T == Float)`: in a release build (whole-module) the
/// optimiser specialises them anyway, but a debug build compiles file by
/// file and would otherwise run the generic code across files, about forty
/// times slower (a Predictor step: 53 µs instead of 1.3 µs).
enum Kernels {
    /// `out[r] += Σ_k W[r, k] · v[k]` for a column-major `rows × cols` matrix,
    /// whose weights are widened as they are read.
    @_specialize(where W == Float)
    @_specialize(where W == Float16)
    @inline(__always)
    static func multiplyAdd<W: StoredWeight>(
        _ w: UnsafePointer<W>, rows: Int, cols: Int,
        _ v: UnsafePointer<W.Scalar>, into out: UnsafeMutablePointer<W.Scalar>
    ) {
        typealias T = W.Scalar
        var r = 0
        // Blocks of 32 rows: four accumulators stay in registers across all columns.
        while r + 32 <= rows {
            var a0 = load8(out + r)
            var a1 = load8(out + r + 8)
            var a2 = load8(out + r + 16)
            var a3 = load8(out + r + 24)
            var column = w + r
            for k in 0..<cols {
                let x = SIMD8<T>(repeating: v[k])
                a0 = fused(a0, W.widen8(column), x)
                a1 = fused(a1, W.widen8(column + 8), x)
                a2 = fused(a2, W.widen8(column + 16), x)
                a3 = fused(a3, W.widen8(column + 24), x)
                column += rows
            }
            store8(a0, out + r)
            store8(a1, out + r + 8)
            store8(a2, out + r + 16)
            store8(a3, out + r + 24)
            r += 32
        }
        while r + 8 <= rows {
            var a = load8(out + r)
            var column = w + r
            for k in 0..<cols {
                a = fused(a, W.widen8(column), SIMD8<T>(repeating: v[k]))
                column += rows
            }
            store8(a, out + r)
            r += 8
        }
        while r < rows {
            var a = out[r]
            for k in 0..<cols { a += w[k * rows + r].widened * v[k] }
            out[r] = a
            r += 1
        }
    }

    /// `out[k] += Σ_r W[r, k] · d[r]`: the transposed product, one dot product per column.
    @_specialize(where T == Float)
    @inline(__always)
    static func multiplyTransposedAdd<T: NeuralScalar>(
        _ w: UnsafePointer<T>, rows: Int, cols: Int,
        _ d: UnsafePointer<T>, into out: UnsafeMutablePointer<T>
    ) {
        for k in 0..<cols {
            out[k] += dot(w + k * rows, d, count: rows)
        }
    }

    /// `dW[r, k] += Σ_t d_t[r] · v_t[k]`: the weight gradient of a whole
    /// window as one matrix product, with `d_t` at `d + t * dStride` and
    /// `v_t` at `v + t * vStride`. Each block of 32 gradients is loaded and
    /// stored once per window, not once per step.
    @_specialize(where T == Float)
    @inline(__always)
    static func outerProductSum<T: NeuralScalar>(
        _ d: UnsafePointer<T>, stride dStride: Int, rows: Int,
        _ v: UnsafePointer<T>, stride vStride: Int, cols: Int, steps: Int,
        into dw: UnsafeMutablePointer<T>
    ) {
        var r = 0
        while r + 32 <= rows {
            for k in 0..<cols {
                let out = dw + k * rows + r
                var a0 = load8(out)
                var a1 = load8(out + 8)
                var a2 = load8(out + 16)
                var a3 = load8(out + 24)
                for t in 0..<steps {
                    let x = SIMD8<T>(repeating: v[t * vStride + k])
                    let row = d + t * dStride + r
                    a0 = fused(a0, load8(row), x)
                    a1 = fused(a1, load8(row + 8), x)
                    a2 = fused(a2, load8(row + 16), x)
                    a3 = fused(a3, load8(row + 24), x)
                }
                store8(a0, out)
                store8(a1, out + 8)
                store8(a2, out + 16)
                store8(a3, out + 24)
            }
            r += 32
        }
        while r + 8 <= rows {
            for k in 0..<cols {
                var a = load8(dw + k * rows + r)
                for t in 0..<steps {
                    a = fused(a, load8(d + t * dStride + r), SIMD8<T>(repeating: v[t * vStride + k]))
                }
                store8(a, dw + k * rows + r)
            }
            r += 8
        }
        while r < rows {
            for k in 0..<cols {
                var a = dw[k * rows + r]
                for t in 0..<steps { a += d[t * dStride + r] * v[t * vStride + k] }
                dw[k * rows + r] = a
            }
            r += 1
        }
    }

    /// `y[i] += a · x[i]`.
    @_specialize(where T == Float)
    @inline(__always)
    static func axpy<T: NeuralScalar>(
        _ a: T, _ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, count: Int
    ) {
        let a8 = SIMD8<T>(repeating: a)
        var i = 0
        while i + 8 <= count {
            store8(fused(load8(y + i), load8(x + i), a8), y + i)
            i += 8
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// `Σ x[i] · y[i]`.
    @_specialize(where T == Float)
    @inline(__always)
    static func dot<T: NeuralScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count: Int) -> T {
        var acc = SIMD8<T>()
        var i = 0
        while i + 8 <= count {
            acc = fused(acc, load8(x + i), load8(y + i))
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            sum += x[i] * y[i]
            i += 1
        }
        return sum
    }

    /// `Σ w[i] · y[i]` over stored weights, widened as they are read.
    @_specialize(where W == Float)
    @_specialize(where W == Float16)
    @inline(__always)
    static func dot<W: StoredWeight>(
        weights w: UnsafePointer<W>, _ y: UnsafePointer<W.Scalar>, count: Int
    ) -> W.Scalar {
        var acc = SIMD8<W.Scalar>()
        var i = 0
        while i + 8 <= count {
            acc = fused(acc, W.widen8(w + i), load8(y + i))
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            sum += w[i].widened * y[i]
            i += 1
        }
        return sum
    }

    /// `out[i] = w[i]` widened: a bias vector copied into the accumulators it starts.
    @inline(__always)
    static func widen<W: StoredWeight>(_ w: UnsafePointer<W>, into out: UnsafeMutablePointer<W.Scalar>, count: Int) {
        for i in 0..<count { out[i] = w[i].widened }
    }

    /// Square roots of eight non-negative floats, to a relative 10^-6 (far
    /// finer than a half's 5·10^-4; in practice within two units in the last place): the reciprocal root's bit-level first
    /// guess, three Newton steps, times the value. Plain vector arithmetic:
    /// SIMD8's and Float's squareRoot() call libm's sqrtf lane by lane (it may
    /// set errno), which cost more than the rest of the rounding. Values
    /// below the smallest normal float give 0.
    @inline(__always)
    static func squareRoot8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        var reciprocal = unsafeBitCast(0x5F37_5A86 &- (bits &>> 1), to: SIMD8<Float>.self)
        let half = x * 0.5
        for _ in 0..<3 { reciprocal = reciprocal * (1.5 - half * reciprocal * reciprocal) }
        var root = x * reciprocal
        root.replace(with: 0, where: x .< Float.leastNormalMagnitude)
        return root
    }

    /// `a + b · c`. A fused multiply-add where the target CPU has one
    /// (STREAMLSTM_FMA, see Package.swift); on the baseline x86-64 target
    /// `addingProduct` becomes a library call per lane, so there it is a
    /// separate multiply and add.
    @inline(__always)
    static func fused<T: NeuralScalar>(_ a: SIMD8<T>, _ b: SIMD8<T>, _ c: SIMD8<T>) -> SIMD8<T> {
        #if STREAMLSTM_FMA
            a.addingProduct(b, c)
        #else
            a + b * c
        #endif
    }

    @inline(__always)
    static func load8<T: NeuralScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always)
    static func load8<T: NeuralScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always)
    static func store8<T: NeuralScalar>(_ x: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<T>.self)
    }
}
