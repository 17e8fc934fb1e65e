/// Sufficient statistics of a corpus: one row of `width` numbers per segment, stored flat
/// (rows × width). Summing rows gives the corpus statistics a score is computed from, so bootstrap
/// resampling and paired tests re-sum rows instead of re-tokenising.
public struct SegmentStatistics: Sendable, Equatable {
    public let width: Int
    /// (segments, width), row-major.
    public internal(set) var values: [Double]

    public init(width: Int, values: [Double]) {
        precondition(width > 0 && values.count % width == 0, "statistics must be whole rows")
        self.width = width
        self.values = values
    }

    public var segmentCount: Int { values.count / width }

    public func row(_ segment: Int) -> [Double] {
        Array(values[(segment * width)..<((segment + 1) * width)])
    }

    /// The column sums: the corpus-level statistics.
    public func totals() -> [Double] {
        var sums = [Double](repeating: 0, count: width)
        values.withUnsafeBufferPointer { rows in
            var offset = 0
            while offset < rows.count {
                for column in 0..<width { sums[column] += rows[offset + column] }
                offset += width
            }
        }
        return sums
    }

    /// Column sums over the rows listed in `segments` (repeats count again).
    public func totals<S: Sequence>(over segments: S) -> [Double] where S.Element == Int {
        var sums = [Double](repeating: 0, count: width)
        values.withUnsafeBufferPointer { rows in
            sums.withUnsafeMutableBufferPointer { sums in
                for segment in segments {
                    let offset = segment * width
                    for column in 0..<width { sums[column] += rows[offset + column] }
                }
            }
        }
        return sums
    }

    /// Column sums with row i counted `weights[i]` times (a bootstrap resample).
    public func totals(weightedBy weights: [Int32]) -> [Double] {
        precondition(weights.count == segmentCount, "one weight per segment")
        var sums = [Double](repeating: 0, count: width)
        values.withUnsafeBufferPointer { rows in
            sums.withUnsafeMutableBufferPointer { sums in
                for segment in 0..<weights.count where weights[segment] != 0 {
                    let weight = Double(weights[segment]), offset = segment * width
                    for column in 0..<width { sums[column] += weight * rows[offset + column] }
                }
            }
        }
        return sums
    }
}
