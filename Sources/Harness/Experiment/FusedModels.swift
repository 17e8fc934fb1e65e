import Corpus
import Foundation
import Reports
import Training

/// The fused GGUFs of a model-swap experiment: `<folder>/fused-<type>.gguf`, written atomically by
/// `AdapterFusion`, with a marker beside each that records what it was made from. A later run
/// that asks for the same model, adapter and type finds the marker and the file it describes, and
/// fuses nothing.
enum FusedModels {
    /// The marker file beside a fused model.
    static func markerURL(for model: URL) -> URL {
        model.deletingLastPathComponent().appendingPathComponent(model.lastPathComponent + ".tollgate-fuse.json")
    }

    /// The fused model for (model, adapter, type) in `folder` (its path as `folder` is written,
    /// relative or not); `reused` when an identical fusion was already there.
    static func fused(model: String, adapter: String, type: String,
                      folder: String) throws -> (path: String, reused: Bool) {
        guard let ggmlType = AdapterFusion.writableTypes[type] else {
            throw FusedModelError.unknownType(type)
        }
        let path = (folder as NSString).appendingPathComponent("fused-\(type).gguf")
        let output = URL(fileURLWithPath: path)
        let inputs = FusionMarker(modelSHA256: try SHA256.hexOfFile(atPath: model),
                                  adapterSHA256: try AdapterFiles.sha256(path: adapter), type: type,
                                  recipe: AdapterFusion.recipe, outputSHA256: "")
        let markerURL = markerURL(for: output)
        if let data = FileManager.default.contents(atPath: markerURL.path),
           let previous = try? JSONDecoder().decode(FusionMarker.self, from: data),
           previous.sameInputs(as: inputs), FileManager.default.fileExists(atPath: output.path),
           (try? SHA256.hexOfFile(atPath: output.path)) == previous.outputSHA256 {
            return (path, true)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A marker left from another fusion must not vouch for the new file while it is written.
        try? FileManager.default.removeItem(at: markerURL)
        try AdapterFusion.fuse(model: URL(fileURLWithPath: model), adapter: adapter, output: output, type: ggmlType)
        var marker = inputs
        marker.outputSHA256 = try SHA256.hexOfFile(atPath: output.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try ReportFile.write(String(decoding: try encoder.encode(marker), as: UTF8.self) + "\n", to: markerURL.path)
        return (path, false)
    }
}

/// What a fused model was made from, and the hash of the file that came out.
struct FusionMarker: Codable, Equatable {
    var modelSHA256: String
    var adapterSHA256: String
    var type: String
    /// `AdapterFusion.recipe` when fused: a file from an older recipe is fused again. (Absent in
    /// markers written before the field existed, which therefore never match.)
    var recipe: Int?
    var outputSHA256: String

    func sameInputs(as other: FusionMarker) -> Bool {
        modelSHA256 == other.modelSHA256 && adapterSHA256 == other.adapterSHA256 && type == other.type
            && recipe == other.recipe
    }
}

enum FusedModelError: LocalizedError, Equatable {
    case unknownType(String)

    var errorDescription: String? {
        switch self {
        case .unknownType(let type):
            return "fuse: \(type) is not a type Tollgate writes; use one of \(VariantPlan.fuseTypes.joined(separator: ", "))"
        }
    }
}
