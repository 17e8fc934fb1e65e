import Foundation

/// Deterministic test data: a small LCG so the tests need no RNG from the module under test.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
    }
    mutating func array(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in next() * scale } }
}

/// Checks an analytic backward against central finite differences of loss = Σ probe ⊙ forward(inputs).
/// forward returns the output; backward(inputs, dout) returns the gradient of each input (nil: not checked).
/// Returns the largest relative error ‖g − g_fd‖ / ‖g_fd‖ over the checked inputs.
func finiteDifferenceError(inputs: [[Float]], outputCount: Int, eps: Float = 1e-2,
                           forward: ([[Float]]) -> [Float],
                           backward: ([[Float]], [Float]) -> [[Float]?]) -> Double {
    var random = TestRandom(99)
    let probe = random.array(outputCount)
    func loss(_ x: [[Float]]) -> Double {
        zip(forward(x), probe).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    let analytic = backward(inputs, probe)
    var worst = 0.0
    for (index, gradient) in analytic.enumerated() {
        guard let gradient else { continue }
        var numeric = [Double](repeating: 0, count: inputs[index].count)
        for i in 0..<inputs[index].count {
            var plus = inputs, minus = inputs
            plus[index][i] += eps
            minus[index][i] -= eps
            numeric[i] = (loss(plus) - loss(minus)) / Double(2 * eps)
        }
        let difference = zip(gradient, numeric).reduce(0.0) { $0 + pow(Double($1.0) - $1.1, 2) }.squareRoot()
        let norm = numeric.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        worst = max(worst, difference / max(norm, 1e-12))
    }
    return worst
}
