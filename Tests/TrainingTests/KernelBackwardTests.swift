import Foundation
import Testing
import Training

// Each kernel's backward against central finite differences of its forward.

@Test func rmsnormBackwardMatchesFiniteDifferences() {
    let n = 3, c = 8
    var random = TestRandom(1)
    let inputs = [random.array(n * c), random.array(c)]
    func forward(_ x: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: n * c), rstd = [Float](repeating: 0, count: n)
        rmsnormForward(out: &out, rstd: &rstd, inp: x[0], weight: x[1], n: n, c: c, eps: 1e-5)
        return out
    }
    let error = finiteDifferenceError(inputs: inputs, outputCount: n * c, forward: forward) { x, dout in
        var out = [Float](repeating: 0, count: n * c), rstd = [Float](repeating: 0, count: n)
        rmsnormForward(out: &out, rstd: &rstd, inp: x[0], weight: x[1], n: n, c: c, eps: 1e-5)
        var dinp = [Float](repeating: 0, count: n * c), dweight = [Float](repeating: 0, count: c)
        rmsnormBackward(dinp: &dinp, dweight: &dweight, dout: dout, inp: x[0], weight: x[1], rstd: rstd, n: n, c: c)
        return [dinp, dweight]
    }
    #expect(error < 2e-3)
}

@Test func ropeBackwardIsTheInverseRotationOfTheGradient() {
    let b = 2, t = 3, nh = 2, hd = 8
    let table = RoPETable(headDim: hd, length: t, base: 10000)
    var random = TestRandom(2)
    let inputs = [random.array(b * t * nh * hd)]
    func forward(_ x: [[Float]]) -> [Float] {
        var y = x[0]
        ropeForward(&y, table: table, b: b, t: t, nh: nh)
        return y
    }
    let error = finiteDifferenceError(inputs: inputs, outputCount: inputs[0].count, forward: forward) { _, dout in
        var dx = dout
        ropeBackward(&dx, table: table, b: b, t: t, nh: nh)
        return [dx]
    }
    #expect(error < 1e-3)
}

@Test func ropeRotatesHalvesAsTransformersDoes() {
    // position 1, head dim 4, base 100: inv_freq = [1, 0.1]; pairs (0, 2) and (1, 3)
    let table = RoPETable(headDim: 4, length: 2, base: 100)
    var x: [Float] = [0, 0, 0, 0, 1, 2, 3, 4]
    ropeForward(&x, table: table, b: 1, t: 2, nh: 1)
    let expected: [Float] = [Float(cos(1.0) * 1 - sin(1.0) * 3), Float(cos(0.1) * 2 - sin(0.1) * 4),
                             Float(cos(1.0) * 3 + sin(1.0) * 1), Float(cos(0.1) * 4 + sin(0.1) * 2)]
    for i in 0..<4 { #expect(abs(x[4 + i] - expected[i]) < 1e-6) }
}

@Test func swigluBackwardMatchesFiniteDifferences() {
    let count = 20
    var random = TestRandom(3)
    let inputs = [random.array(count, scale: 3), random.array(count)]
    func forward(_ x: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        swigluForward(out: &out, gate: x[0], up: x[1], count: count)
        return out
    }
    let error = finiteDifferenceError(inputs: inputs, outputCount: count, eps: 1e-3, forward: forward) { x, dout in
        var dgate = [Float](repeating: 0, count: count), dup = [Float](repeating: 0, count: count)
        swigluBackward(dgate: &dgate, dup: &dup, dout: dout, gate: x[0], up: x[1], count: count)
        return [dgate, dup]
    }
    #expect(error < 1e-3)
}

@Test func groupedQueryAttentionBackwardMatchesFiniteDifferences() {
    let shape = AttentionShape(b: 2, t: 4, nh: 4, nkv: 2, hd: 4)
    var random = TestRandom(4)
    let qCount = shape.b * shape.t * shape.nh * shape.hd, kvCount = shape.b * shape.t * shape.nkv * shape.hd
    let inputs = [random.array(qCount), random.array(kvCount), random.array(kvCount)]
    func forward(_ x: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: qCount), att = [Float](repeating: 0, count: shape.attCount)
        attentionForward(out: &out, att: &att, q: x[0], k: x[1], v: x[2], shape: shape)
        return out
    }
    let error = finiteDifferenceError(inputs: inputs, outputCount: qCount, forward: forward) { x, dout in
        var out = [Float](repeating: 0, count: qCount), att = [Float](repeating: 0, count: shape.attCount)
        attentionForward(out: &out, att: &att, q: x[0], k: x[1], v: x[2], shape: shape)
        var dq = [Float](repeating: 0, count: qCount), dk = [Float](repeating: 0, count: kvCount)
        var dv = [Float](repeating: 0, count: kvCount)
        attentionBackward(dq: &dq, dk: &dk, dv: &dv, dout: dout, q: x[0], k: x[1], v: x[2], att: att, shape: shape)
        return [dq, dk, dv]
    }
    #expect(error < 2e-3)
}

@Test func attentionIsCausal() {
    // changing the last position's key and value leaves every earlier output unchanged
    let shape = AttentionShape(b: 1, t: 3, nh: 2, nkv: 1, hd: 4)
    var random = TestRandom(5)
    let q = random.array(24), k = random.array(12), v = random.array(12)
    var k2 = k, v2 = v
    for i in 8..<12 { k2[i] += 1; v2[i] -= 1 }
    var out1 = [Float](repeating: 0, count: 24), out2 = out1, att = [Float](repeating: 0, count: shape.attCount)
    attentionForward(out: &out1, att: &att, q: q, k: k, v: v, shape: shape)
    attentionForward(out: &out2, att: &att, q: q, k: k2, v: v2, shape: shape)
    #expect(Array(out1[0..<16]) == Array(out2[0..<16]))
    #expect(Array(out1[16..<24]) != Array(out2[16..<24]))
}

@Test func maskedCrossEntropyBackwardMatchesFiniteDifferences() {
    let n = 5, c = 6, v = 11
    var random = TestRandom(6)
    let inputs = [random.array(n * c), random.array(v * c)]
    let targets: [Int32] = [3, -1, 10, 0, -1]
    let loss = { (x: [[Float]]) -> [Float] in
        [Float(maskedCrossEntropy(dinp: nil, inp: x[0], weight: x[1], targets: targets, n: n, c: c, v: v, gradScale: 1))]
    }
    let error = finiteDifferenceError(inputs: inputs, outputCount: 1, eps: 1e-2, forward: loss) { x, dout in
        var dinp = [Float](repeating: 0, count: n * c)
        _ = maskedCrossEntropy(dinp: &dinp, inp: x[0], weight: x[1], targets: targets, n: n, c: c, v: v,
                               gradScale: dout[0], chunkRows: 2)
        return [dinp, nil]
    }
    #expect(error < 2e-3)
}

@Test func maskedCrossEntropyIgnoresUnmaskedRowsAndMatchesLogSoftmax() {
    let c = 2, v = 3
    let h: [Float] = [1, 0, 0, 1]
    let w: [Float] = [1, 0, 0, 1, 1, 1]  // logits row 0: [1, 0, 1]
    let loss = maskedCrossEntropy(dinp: nil, inp: h, weight: w, targets: [1, -1], n: 2, c: c, v: v, gradScale: 1)
    let expected = log(exp(1.0) + 1 + exp(1.0)) - 0
    #expect(abs(loss - expected) < 1e-6)
}

@Test func loraLinearBackwardGivesAdapterGradientsAndInputGradient() {
    let s = LinearShape(n: 3, c: 5, oc: 4, r: 2)
    var random = TestRandom(7)
    let inputs = [random.array(s.n * s.c), random.array(s.r * s.c), random.array(s.oc * s.r)]
    let weight = random.array(s.oc * s.c)
    var maskRandom = TestRandom(8)
    let mask: [Float] = (0..<(s.n * s.c)).map { _ in maskRandom.next() > -0.4 ? 1 / 0.7 : 0 }
    for useMask in [false, true] {
        func forward(_ x: [[Float]]) -> [Float] {
            var out = [Float](repeating: 0, count: s.n * s.oc), xa = [Float](repeating: 0, count: s.n * s.r)
            if useMask {
                loraLinearForward(out: &out, xa: &xa, inp: x[0], mask: mask, weight: weight, a: x[1], b: x[2], scale: 1.5, shape: s)
            } else {
                loraLinearForward(out: &out, xa: &xa, inp: x[0], mask: nil, weight: weight, a: x[1], b: x[2], scale: 1.5, shape: s)
            }
            return out
        }
        let error = finiteDifferenceError(inputs: inputs, outputCount: s.n * s.oc, forward: forward) { x, dout in
            var out = [Float](repeating: 0, count: s.n * s.oc), xa = [Float](repeating: 0, count: s.n * s.r)
            var dinp = [Float](repeating: 0, count: s.n * s.c), da = [Float](repeating: 0, count: s.r * s.c)
            var db = [Float](repeating: 0, count: s.oc * s.r)
            let m: [Float]? = useMask ? mask : nil
            m.withOptionalPointer { maskPointer in
                loraLinearForward(out: &out, xa: &xa, inp: x[0], mask: maskPointer, weight: weight, a: x[1], b: x[2], scale: 1.5, shape: s)
                loraLinearBackward(dinp: &dinp, da: &da, db: &db, dout: dout, inp: x[0], mask: maskPointer, xa: xa,
                                   weight: weight, a: x[1], b: x[2], scale: 1.5, shape: s)
            }
            return [dinp, da, db]
        }
        #expect(error < 1e-3)
    }
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}
