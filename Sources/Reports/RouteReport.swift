import Gate

/// A route variant on one eval set, as served: the route as a whole and each member, side by side.
/// In a drill run the undisturbed route and the drilled one are both listed.
public struct RouteReport: Codable, Sendable, Equatable {
    /// The variant (`support-route`, `support-route under primary-brownout`).
    public var variant: String
    public var route: String
    /// The drill's name and what it injects; nil for the route as it is.
    public var drill: String?
    public var evalSet: String
    /// Examples the route was asked; `answered` + `unanswered`.
    public var examples: Int
    public var answered: Int
    public var unanswered: Int
    /// Examples at least one member failed before another answered.
    public var failedOver: Int
    /// The route's quality on its answers, with 95% intervals.
    public var quality: [RouteQuality]
    /// Latency of the route's answers, time lost on failing members included.
    public var p50LatencySeconds: Double?
    public var p95LatencySeconds: Double?
    /// Over the examples that failed over: the time lost before the answering member.
    public var p50FailoverSeconds: Double?
    public var p95FailoverSeconds: Double?
    public var costPerThousandRequests: Double?
    public var members: [RouteMemberReport]

    public init(variant: String, route: String, drill: String?, evalSet: String, examples: Int, answered: Int, unanswered: Int,
                failedOver: Int, quality: [RouteQuality], p50LatencySeconds: Double?, p95LatencySeconds: Double?,
                p50FailoverSeconds: Double?, p95FailoverSeconds: Double?, costPerThousandRequests: Double?,
                members: [RouteMemberReport]) {
        self.variant = variant; self.route = route; self.drill = drill; self.evalSet = evalSet; self.examples = examples
        self.answered = answered; self.unanswered = unanswered; self.failedOver = failedOver; self.quality = quality
        self.p50LatencySeconds = p50LatencySeconds; self.p95LatencySeconds = p95LatencySeconds
        self.p50FailoverSeconds = p50FailoverSeconds; self.p95FailoverSeconds = p95FailoverSeconds
        self.costPerThousandRequests = costPerThousandRequests; self.members = members
    }
}

/// One member of a route on one eval set.
public struct RouteMemberReport: Codable, Sendable, Equatable {
    public var name: String
    /// Examples it answered, and their share of the route's examples.
    public var answered: Int
    public var share: Double
    /// Quality on the examples it answered, with 95% intervals.
    public var quality: [RouteQuality]
    public var p50LatencySeconds: Double?
    public var p95LatencySeconds: Double?
    public var costPerThousandRequests: Double?
    /// Its own failures (after its retries) and its error rate over the requests it was sent:
    /// failures a drill injected are counted apart and never in these.
    public var failures: Int
    public var errorRate: Double?
    public var injected: Int

    public init(name: String, answered: Int, share: Double, quality: [RouteQuality], p50LatencySeconds: Double?,
                p95LatencySeconds: Double?, costPerThousandRequests: Double?, failures: Int, errorRate: Double?, injected: Int) {
        self.name = name; self.answered = answered; self.share = share; self.quality = quality
        self.p50LatencySeconds = p50LatencySeconds; self.p95LatencySeconds = p95LatencySeconds
        self.costPerThousandRequests = costPerThousandRequests; self.failures = failures; self.errorRate = errorRate
        self.injected = injected
    }
}

/// A metric's score and 95% interval; nil value when there was nothing to score.
public struct RouteQuality: Codable, Sendable, Equatable {
    public var metric: String
    public var value: Double?
    public var confidenceInterval: Interval?

    public init(metric: String, value: Double?, confidenceInterval: Interval?) {
        self.metric = metric
        self.value = value
        self.confidenceInterval = confidenceInterval
    }
}
