import Corpus
import Endpoints
import Foundation

/// A route as an experiment file writes it (`routes:`): an ordered list of members, each tried
/// when the one before it failed under the failover policy.
///
/// ```yaml
/// routes:
///   support:
///     members: [{endpoint: hosted}, {endpoint: backup}, {variant: local-lora}]
///     failover: {on: [5xx, 429, timeout, connect], after_retries: 1}
///     member_floors: {local-lora: {em: 20}}     # the fallback must pass the floor on its own
/// variants:
///   - {name: support-route, route: support}
/// ```
public struct RoutePlan: Codable, Sendable, Equatable {
    public var name: String
    /// Primary first.
    public var members: [RouteMemberPlan]
    public var failover: FailoverPolicy
    /// Member → metric → floor: rules of the route's gate that a member must pass on its own (its
    /// own variant's evaluation on every eval set that computes the metric).
    public var memberFloors: [String: [String: Double]] = [:]

    public init(name: String, members: [RouteMemberPlan], failover: FailoverPolicy = FailoverPolicy(),
                memberFloors: [String: [String: Double]] = [:]) {
        self.name = name
        self.members = members
        self.failover = failover
        self.memberFloors = memberFloors
    }
}

/// One member: one of the experiment's endpoints, or one of its (non-route) variants.
public struct RouteMemberPlan: Codable, Sendable, Equatable {
    public enum Source: Codable, Sendable, Equatable {
        case endpoint(String)
        case variant(String)
    }

    public var source: Source

    public init(_ source: Source) { self.source = source }

    /// The endpoint's or the variant's name: how steps, reports and drills name the member.
    public var name: String {
        switch source {
        case .endpoint(let name), .variant(let name): return name
        }
    }
}

/// When a route leaves a member for the next one. A member's own retries are `afterRetries`
/// (an endpoint's `retries:` is replaced inside the route), and only failures of a listed kind
/// fail over; any other failure (a 400, a quota error when 429 is not listed) leaves the example
/// unanswered, as it would for the member alone.
public struct FailoverPolicy: Codable, Sendable, Equatable {
    public var on: [FailoverCondition] = FailoverCondition.allCases
    public var afterRetries: Int = 1

    public init(on: [FailoverCondition] = FailoverCondition.allCases, afterRetries: Int = 1) {
        self.on = on
        self.afterRetries = afterRetries
    }

    public func failsOver(_ condition: FailoverCondition?) -> Bool { condition.map(on.contains) ?? false }
}

/// The failures a route can fail over on.
public enum FailoverCondition: String, Codable, Sendable, CaseIterable {
    case serverError = "5xx"
    case rateLimited = "429"
    case timeout
    case connect

    /// The condition of a member's failure (a `request_failure` kind and status), nil when it is
    /// none of these (a rejected request: retrying elsewhere would be rejected too).
    public static func of(kind: String, httpStatus: Int?) -> FailoverCondition? {
        switch kind {
        case ChatFailure.Kind.quota.rawValue: return .rateLimited
        case ChatFailure.Kind.timeout.rawValue: return .timeout
        // "not_sent": the member stopped sending after it became unreachable or its quota ran out.
        case ChatFailure.Kind.unreachable.rawValue, ChatFailure.Kind.notSent.rawValue, "not_sent": return .connect
        case ChatFailure.Kind.exhausted.rawValue, RouteSource.injectedKind:
            switch httpStatus {
            case nil: return .connect
            case 429?: return .rateLimited
            case 408?: return .timeout
            default: return .serverError
            }
        default: return nil
        }
    }
}

/// A drill (`drills:`): failures injected on the client side into one member of a route for one
/// evaluation, so a failover is tested without waiting for a provider to fail on cue.
///
/// ```yaml
/// drills:
///   - {name: primary-brownout, route: support, inject: {member: hosted, fail_rate: 0.3, status: 503, seed: 1}}
///   - {name: primary-down, route: support, inject: {member: hosted, down: true}}
/// ```
public struct DrillPlan: Codable, Sendable, Equatable {
    public var name: String
    public var route: String
    public var inject: FailureInjection

    public init(name: String, route: String, inject: FailureInjection) {
        self.name = name
        self.route = route
        self.inject = inject
    }
}

/// Which requests to one member fail, decided per example from the seed alone, so a drill fails
/// the same examples every time it runs. A failed request is never sent; it counts as an injected
/// failure, never as the provider's.
public struct FailureInjection: Codable, Sendable, Equatable {
    public var member: String
    /// Share of the member's examples that fail (1 when `down`).
    public var failRate: Double
    /// The status the failure stands for (5xx, 429 or 408); nil when down: no connection.
    public var status: Int?
    public var seed: UInt64
    public var down: Bool

    public init(member: String, failRate: Double, status: Int? = 503, seed: UInt64 = 0, down: Bool = false) {
        self.member = member
        self.failRate = down ? 1 : failRate
        self.status = down ? nil : status
        self.seed = seed
        self.down = down
    }

    /// Whether the request for the example at dataset position `index` fails: a uniform draw in
    /// [0, 1) from SHA-256(seed, index) below `failRate`, so the draws are independent of one another
    /// and of the order examples are sent in.
    public func fails(exampleIndex index: Int) -> Bool {
        if down { return true }
        let digest = SHA256.hex("tollgate-drill\n\(seed)\n\(index)")
        let draw = UInt64(digest.prefix(16), radix: 16) ?? 0
        return Double(draw >> 11) / Double(1 << 53) < failRate
    }

    /// How a step and a report describe the failure.
    var description: String { down ? "down" : "HTTP \(status ?? 503)" }
}
