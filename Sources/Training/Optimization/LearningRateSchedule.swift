import Foundation

/// Linear warm-up from 0, then a decay shape down to `minimumFactor · peak` at the last step.
public struct LearningRateSchedule: Sendable, Codable, Equatable {
    public enum Decay: String, Sendable, Codable, CaseIterable { case constant, linear, cosine }

    /// The rate after warm-up.
    public var peak: Float
    /// Steps of linear warm-up (the first step runs at peak/warmup).
    public var warmupSteps: Int
    /// Total optimizer steps of the run.
    public var totalSteps: Int
    /// How the rate falls after warm-up.
    public var decay: Decay
    /// The final rate as a fraction of the peak (cosine and linear).
    public var minimumFactor: Float

    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int, decay: Decay = .constant, minimumFactor: Float = 0) {
        self.peak = peak; self.warmupSteps = max(0, warmupSteps); self.totalSteps = max(1, totalSteps)
        self.decay = decay; self.minimumFactor = minimumFactor
    }

    /// The rate of optimizer step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps - 1)
        let progress = min(1, Float(step - warmupSteps) / Float(span))
        let floor = peak * minimumFactor
        switch decay {
        case .constant: return peak
        case .linear: return floor + (peak - floor) * (1 - progress)
        case .cosine: return floor + (peak - floor) * 0.5 * (1 + Float(cos(Double.pi * Double(progress))))
        }
    }
}
