import Foundation

/// What training did, for the report: the loss curve, the validation metric per saved checkpoint and
/// the spectrum of each adapter matrix.
public struct TrainingSummary: Codable, Sendable, Equatable {
    public var lossCurve: [LossPoint]
    public var validationLoss: [LossPoint]
    public var checkpoints: [CheckpointScore]
    /// Step of the checkpoint chosen as the candidate.
    public var chosenStep: Int?
    public var adapterMatrices: [AdapterSpectrum]
    /// The validation set the checkpoints were scored and chosen on; nil when none was scored.
    public var selection: CheckpointSelection?

    public init(lossCurve: [LossPoint], validationLoss: [LossPoint] = [], checkpoints: [CheckpointScore] = [],
                chosenStep: Int? = nil, adapterMatrices: [AdapterSpectrum] = [], selection: CheckpointSelection? = nil) {
        self.lossCurve = lossCurve
        self.validationLoss = validationLoss
        self.checkpoints = checkpoints
        self.chosenStep = chosenStep
        self.adapterMatrices = adapterMatrices
        self.selection = selection
    }
}

public struct LossPoint: Codable, Sendable, Equatable {
    public var step: Int
    public var loss: Double

    public init(step: Int, loss: Double) {
        self.step = step
        self.loss = loss
    }
}

/// A metric of the checkpoint saved at `step` on the set checkpoints are chosen on.
public struct CheckpointScore: Codable, Sendable, Equatable {
    public var step: Int
    public var evalSet: String
    public var metric: String
    public var value: Double

    public init(step: Int, evalSet: String, metric: String, value: Double) {
        self.step = step
        self.evalSet = evalSet
        self.metric = metric
        self.value = value
    }
}

/// Singular values of one adapter's update ΔW = scale·B·A (computed through LAPACK by the caller),
/// largest first.
public struct AdapterSpectrum: Codable, Sendable, Equatable {
    /// e.g. "layers.0.self_attn.q_proj".
    public var name: String
    public var singularValues: [Double]

    public init(name: String, singularValues: [Double]) {
        self.name = name
        self.singularValues = singularValues
    }

    /// Numerical rank: singular values above `relativeThreshold` × the largest one (default 1 %).
    /// Directions weaker than that change the weights by under 1 % of the main direction.
    public func numericalRank(relativeThreshold: Double = 0.01) -> Int {
        let finite = singularValues.filter(\.isFinite).map(abs)
        guard let largest = finite.max(), largest > 0 else { return 0 }
        return finite.filter { $0 > relativeThreshold * largest }.count
    }

    /// Entropy effective rank (Roy & Vetterli, 2007): exp(−Σ pᵢ ln pᵢ) with pᵢ = σᵢ / Σσ.
    /// Equals r for r equal singular values and falls towards 1 as one direction dominates.
    public var entropyEffectiveRank: Double {
        let finite = singularValues.filter(\.isFinite).map(abs)
        let total = finite.reduce(0, +)
        guard total > 0 else { return 0 }
        var entropy = 0.0
        for sigma in finite where sigma > 0 {
            let p = sigma / total
            entropy -= p * log(p)
        }
        return exp(entropy)
    }
}
