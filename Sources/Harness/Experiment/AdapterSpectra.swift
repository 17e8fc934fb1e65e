import Foundation
import Llama
import Reports
import TensorKit

/// Singular values of each adapter update ΔW = B·A (through LAPACK), for the report's effective
/// rank table: an adapter whose updates use few directions shows it here.
public enum AdapterSpectra {
    public static func load(path: String, model: String) throws -> [AdapterSpectrum] {
        let adapter = try AdapterFiles.load(path: path, model: model)
        var spectra: [AdapterSpectrum] = []
        for (layer, targets) in adapter.layers.enumerated() {
            for target in LoRATarget.allCases {
                guard let weights = targets[target] else { continue }
                let update = product(weights)
                let values = try LAPACK.singularValues(of: update, rows: weights.outFeatures, cols: weights.inFeatures)
                spectra.append(AdapterSpectrum(name: "layers.\(layer).\(target.hfModuleName)",
                                               singularValues: values.map { Double($0 * adapter.config.scale) }))
            }
        }
        return spectra
    }

    /// B (out, r) · A (r, in) → (out, in), row-major.
    static func product(_ weights: LoRAWeights) -> [Float] {
        let rank = weights.a.count / weights.inFeatures
        var result = [Float](repeating: 0, count: weights.outFeatures * weights.inFeatures)
        for row in 0..<weights.outFeatures {
            for k in 0..<rank {
                let scale = weights.b[row * rank + k]
                if scale == 0 { continue }
                let base = k * weights.inFeatures, out = row * weights.inFeatures
                for column in 0..<weights.inFeatures { result[out + column] += scale * weights.a[base + column] }
            }
        }
        return result
    }
}
