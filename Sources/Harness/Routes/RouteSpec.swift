import Corpus
import Endpoints
import Foundation
import Store

/// A route resolved for one evaluation: each member as it is served (an endpoint's definition, or
/// a GGUF and adapter), the failover policy and, in a drill, the injected failures.
public struct RouteSpec: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var name: String
        /// Set for an endpoint member; else `modelPath` (and `adapterPath`) run here.
        public var endpoint: EndpointConfig?
        public var modelPath: String?
        public var adapterPath: String?

        public init(name: String, endpoint: EndpointConfig? = nil, modelPath: String? = nil, adapterPath: String? = nil) {
            self.name = name
            self.endpoint = endpoint
            self.modelPath = modelPath
            self.adapterPath = adapterPath
        }
    }

    public var name: String
    public var members: [Member]
    public var failover: FailoverPolicy
    /// The drill's injection; nil for the route as it is.
    public var injection: FailureInjection?
    /// The drill's name, for reports.
    public var drill: String?
    /// Floors members must reach on their own (see `RoutePlan.memberFloors`).
    public var memberFloors: [String: [String: Double]] = [:]

    public init(name: String, members: [Member], failover: FailoverPolicy, injection: FailureInjection? = nil,
                drill: String? = nil) {
        self.name = name
        self.members = members
        self.failover = failover
        self.injection = injection
        self.drill = drill
    }

    /// `route support: hosted → backup → local-lora`, with ` (drill primary-brownout)` in a drill.
    public var displayName: String {
        "route \(name): " + members.map(\.name).joined(separator: " → ") + (drill.map { " (drill \($0))" } ?? "")
    }

    /// The route's identity from its members' identities (in order), the policy and any injection:
    /// another member, order, policy or drill is another route, with answers of its own.
    static func sha256(memberSHA256s: [(model: String, adapter: String?)], failover: FailoverPolicy,
                       injection: FailureInjection?) -> String {
        let members = memberSHA256s.map { "\($0.model)+\($0.adapter ?? "-")" }.joined(separator: ",")
        let policy = (try? CanonicalJSON.string(failover)) ?? ""
        let drill = injection.flatMap { try? CanonicalJSON.string($0) } ?? "-"
        return SHA256.hex("tollgate-route\n\(members)\n\(policy)\n\(drill)")
    }

    /// `model.architecture` of route rows.
    public static let architecture = "route"
}
