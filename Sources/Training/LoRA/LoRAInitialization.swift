import Foundation
import Llama
import TensorKit

/// How new adapter parameters start.
public enum LoRAInitialization: String, Sendable, Codable, CaseIterable {
    /// PEFT's default: A Kaiming-uniform with a = √5 (bound 1/√in), B zero — the adapter starts as a no-op.
    case kaiming
    /// A normal with standard deviation 1/R, B zero (PEFT's init_lora_weights="gaussian").
    case gaussian
    /// PiSSA: A, B from the principal singular vectors of W; the base weight keeps the residual.
    case pissa
}

extension LoRAParameters {
    /// Fills A and B per `method`. For PiSSA the base weights are changed in place to W − scale·B·A
    /// and `svd` must give the top-R factors of a (rows, cols) matrix: (U (rows, R), S (R), Vᵀ (R, cols)).
    public mutating func initialize(_ method: LoRAInitialization, rng: inout TrainingRNG, weights: inout LlamaWeights,
                                    svd: ((_ matrix: [Float], _ rows: Int, _ cols: Int, _ rank: Int) throws -> (u: [Float], s: [Float], vt: [Float]))? = nil) throws {
        let r = settings.rank
        if method == .pissa, let shared = slots.first(where: sharesA) {
            let module = fusedModules.first { $0.members.contains(shared.projection) }?.hfModuleName ?? "a fused module"
            throw TrainingError.initializationUnavailable(method: "pissa", reason: "PiSSA needs one SVD per adapted matrix, and \(module) adapts its members with one A; use init kaiming or gaussian")
        }
        // A member of a fused module after the first keeps the first's A; only its B starts at zero.
        for slot in slots where sharesA(slot) {
            setB(slot, [Float](repeating: 0, count: slot.output * r))
        }
        for slot in slots where !sharesA(slot) {
            switch method {
            case .kaiming:
                // kaiming_uniform_(a=√5) on a (R, in) tensor: gain √(2/(1+5)), bound gain·√(3/in) = 1/√in
                let bound = 1 / Float(slot.input).squareRoot()
                setA(slot, (0..<(r * slot.input)).map { _ in (rng.nextFloat() * 2 - 1) * bound })
                setB(slot, [Float](repeating: 0, count: slot.output * r))
            case .gaussian:
                setA(slot, (0..<(r * slot.input)).map { _ in rng.nextGaussian() / Float(r) })
                setB(slot, [Float](repeating: 0, count: slot.output * r))
            case .pissa:
                guard let svd else { throw TrainingError.initializationUnavailable(method: "pissa", reason: "no SVD routine was given") }
                var w = weights.layers[slot.layer].projection(slot.projection).array
                let (u, s, vt) = try svd(w, slot.output, slot.input, r)
                // A = diag(√S)·Vᵀ / √scale, B = U·diag(√S) / √scale so that scale·B·A = U S Vᵀ (PEFT)
                let inverseRootScale = 1 / settings.scale.squareRoot()
                var a = [Float](repeating: 0, count: r * slot.input), b = [Float](repeating: 0, count: slot.output * r)
                for k in 0..<r {
                    let root = s[k].squareRoot() * inverseRootScale
                    for j in 0..<slot.input { a[k * slot.input + j] = root * vt[k * slot.input + j] }
                    for i in 0..<slot.output { b[i * r + k] = root * u[i * r + k] }
                }
                setA(slot, a)
                setB(slot, b)
                let scale = settings.scale
                for i in 0..<slot.output {
                    for j in 0..<slot.input {
                        var sum: Float = 0
                        for k in 0..<r { sum += b[i * r + k] * a[k * slot.input + j] }
                        w[i * slot.input + j] -= scale * sum
                    }
                }
                weights.layers[slot.layer].setProjection(slot.projection, FloatBuffer(w))
            }
        }
    }
}
