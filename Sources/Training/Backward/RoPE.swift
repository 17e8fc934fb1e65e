import Foundation

// Rotary position embedding in the HF "rotate half" pairing: element i pairs with i + HD/2.
// Legend: B batch, T time, NH heads, HD head dim. Positions restart at 0 for every sequence.

/// cos/sin tables (T, HD/2) for positions 0..<T.
public struct RoPETable: Sendable {
    public let cos: [Float]
    public let sin: [Float]
    public let headDim: Int
    public let length: Int

    public init(headDim: Int, length: Int, base: Float) {
        let half = headDim / 2
        var cosTable = [Float](repeating: 0, count: length * half)
        var sinTable = cosTable
        for p in 0..<length {
            for i in 0..<half {
                // computed in Double, then rounded, as transformers does its angles in float32 from float32 inv_freq
                let invFreq = Float(1.0 / pow(Double(base), Double(2 * i) / Double(headDim)))
                let angle = Float(p) * invFreq
                cosTable[p * half + i] = Foundation.cos(angle)
                sinTable[p * half + i] = Foundation.sin(angle)
            }
        }
        self.cos = cosTable
        self.sin = sinTable
        self.headDim = headDim
        self.length = length
    }
}

/// Rotates x (B, T, NH, HD) in place.
public func ropeForward(_ x: UnsafeMutablePointer<Float>, table: RoPETable, b: Int, t: Int, nh: Int) {
    let hd = table.headDim, half = hd / 2
    table.cos.withUnsafeBufferPointer { cosT in
        table.sin.withUnsafeBufferPointer { sinT in
            for bi in 0..<b {
                for ti in 0..<t {
                    let c = cosT.baseAddress! + ti * half, s = sinT.baseAddress! + ti * half
                    for h in 0..<nh {
                        let v = x + ((bi * t + ti) * nh + h) * hd
                        for i in 0..<half {
                            let x1 = v[i], x2 = v[i + half]
                            v[i] = x1 * c[i] - x2 * s[i]
                            v[i + half] = x2 * c[i] + x1 * s[i]
                        }
                    }
                }
            }
        }
    }
}

/// dx (B, T, NH, HD) in place: applies the inverse rotation (the transpose) to the incoming gradient.
public func ropeBackward(_ dx: UnsafeMutablePointer<Float>, table: RoPETable, b: Int, t: Int, nh: Int) {
    let hd = table.headDim, half = hd / 2
    table.cos.withUnsafeBufferPointer { cosT in
        table.sin.withUnsafeBufferPointer { sinT in
            for bi in 0..<b {
                for ti in 0..<t {
                    let c = cosT.baseAddress! + ti * half, s = sinT.baseAddress! + ti * half
                    for h in 0..<nh {
                        let v = dx + ((bi * t + ti) * nh + h) * hd
                        for i in 0..<half {
                            let d1 = v[i], d2 = v[i + half]
                            v[i] = d1 * c[i] + d2 * s[i]
                            v[i + half] = d2 * c[i] - d1 * s[i]
                        }
                    }
                }
            }
        }
    }
}
