import Foundation

/// Which update rule the trainer applies.
public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    /// AdamW: Adam moments with decoupled weight decay.
    case adamw
    /// Plain SGD: θ ← θ − lr·g, nothing else.
    case sgd
}

/// Optimizer hyper-parameters.
public struct OptimizerSettings: Sendable, Codable, Equatable {
    public var kind: OptimizerKind
    /// AdamW's first-moment decay.
    public var beta1: Float
    /// AdamW's second-moment decay.
    public var beta2: Float
    /// AdamW's denominator guard.
    public var epsilon: Float
    /// Decoupled weight decay (AdamW only; SGD has none).
    public var weightDecay: Float

    public init(kind: OptimizerKind = .adamw, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0) {
        self.kind = kind; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }
}

/// The optimizer's state over a flat parameter vector; saved in checkpoints.
public struct OptimizerState: Sendable, Codable, Equatable {
    public var settings: OptimizerSettings
    /// Updates applied so far (Adam's bias-correction t).
    public var step: Int
    /// First moments, one per parameter (empty for SGD).
    public var m: [Float]
    /// Second moments (empty for SGD).
    public var v: [Float]

    public init(settings: OptimizerSettings, parameterCount: Int) {
        self.settings = settings
        step = 0
        let count = settings.kind == .adamw ? parameterCount : 0
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    /// Applies one update to `parameters` from `gradients` at learning rate lr.
    public mutating func update(_ parameters: inout [Float], gradients: [Float], learningRate lr: Float) {
        precondition(parameters.count == gradients.count)
        step += 1
        switch settings.kind {
        case .sgd:
            for i in parameters.indices { parameters[i] -= lr * gradients[i] }
        case .adamw:
            let s = settings
            let correction1 = 1 - Float(pow(Double(s.beta1), Double(step)))
            let correction2 = 1 - Float(pow(Double(s.beta2), Double(step)))
            for i in parameters.indices {
                let g = gradients[i]
                m[i] = s.beta1 * m[i] + (1 - s.beta1) * g
                v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g
                let mHat = m[i] / correction1, vHat = v[i] / correction2
                parameters[i] -= lr * (mHat / (vHat.squareRoot() + s.epsilon) + s.weightDecay * parameters[i])
            }
        }
    }
}

/// Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: inout [Float], maxNorm: Float) -> Float {
    let norm = Float(gradients.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
    if maxNorm > 0, norm > maxNorm {
        let scale = maxNorm / (norm + 1e-6)
        for i in gradients.indices { gradients[i] *= scale }
    }
    return norm
}
