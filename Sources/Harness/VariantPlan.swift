/// One model of a model-swap experiment (`variants:` in the YAML). The first variant is the
/// baseline; every other one is a candidate gated against it with the experiment's rules.
///
/// ```yaml
/// variants:
///   - {name: adapter}                                  # the model with its adapter at runtime
///   - {name: fused-q4_0, fuse: q4_0}                   # model + adapter folded into one q4_0 GGUF
///   - {name: other, model: models/other.gguf}          # another GGUF as it is
///   - {name: base, adapter: none}                      # the model without its adapter
///   - {name: hosted, endpoint: hosted}                 # a model behind one of the experiment's endpoints
///   - {name: support-route, route: support}            # one of the experiment's routes
/// ```
public struct VariantPlan: Codable, Sendable, Equatable {
    /// Where a variant's weights come from.
    public enum Source: Codable, Sendable, Equatable {
        /// The experiment's model and adapter (from `adapter:` or training) folded into one GGUF
        /// whose matrices have this tensor type: f32, f16, q8_0, q4_0 or q4_1.
        case fused(type: String)
        /// A GGUF served as it is, with an adapter applied at runtime or none.
        /// - model: nil is the experiment's model.
        case served(model: String?, adapter: VariantAdapter)
        /// A model behind one of the experiment's `endpoints`, by name.
        case endpoint(name: String)
        /// One of the experiment's `routes`, by name: its members tried in order.
        case route(name: String)
    }

    /// The adapter a served variant applies at runtime.
    public enum VariantAdapter: Codable, Sendable, Equatable {
        /// The experiment's adapter: `adapter:`, or the checkpoint its training chose (none without either).
        case experiment
        case none
        case path(String)
    }

    /// Name in logs and reports, unique within the experiment.
    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }

    /// Tensor types `fuse:` accepts (those `tollgate fuse --type` writes), smallest precision last.
    public static let fuseTypes = ["f32", "f16", "q8_0", "q4_0", "q4_1"]
    /// `adapter: none` serves a variant without an adapter.
    public static let noAdapter = "none"
}
