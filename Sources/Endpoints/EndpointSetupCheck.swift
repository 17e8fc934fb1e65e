import Foundation

/// The checks that make an `EndpointConfig` usable, each failing with an `EndpointSetupError` that
/// names the setting and what to write instead. Messages name environment variables, never their values.
struct EndpointSetupCheck {
    let config: EndpointConfig
    let environment: [String: String]

    private func error(_ problem: String) -> EndpointSetupError {
        EndpointSetupError(endpoint: config.name, problem: problem)
    }

    /// `Bearer <key>` from `api_key_env`, or nil when the endpoint names no key variable.
    func authorization() throws -> String? {
        guard let variable = config.apiKeyEnv else { return nil }
        guard let key = environment[variable], !key.isEmpty else {
            throw error("the environment variable \(variable) (api_key_env) is not set or empty; export it with the API key, or remove api_key_env for a server that needs none")
        }
        guard !key.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw error("the environment variable \(variable) (api_key_env) contains a line break; set it to the key alone")
        }
        return "Bearer \(key.trimmingCharacters(in: .whitespaces))"
    }

    /// The endpoint's headers, each `${VAR}` checked to be set now.
    func headerTemplates() throws -> [(name: String, value: HeaderTemplate)] {
        try config.headers.sorted { $0.key < $1.key }.map { name, value in
            guard let template = HeaderTemplate(value) else {
                throw error("header \(name) has an unclosed or empty ${…}; write ${VARIABLE_NAME} (letters, digits, _)")
            }
            for variable in template.variables where environment[variable]?.isEmpty ?? true {
                throw error("header \(name) uses ${\(variable)}, but the environment variable \(variable) is not set or empty; export it")
            }
            if template.expand(environment).contains(where: { $0.isNewline || $0 == "\0" }) {
                throw error("header \(name) contains a line break once expanded; remove it")
            }
            return (name, template)
        }
    }

    func checkLimits() throws {
        let url = URL(string: config.baseURL)
        guard let scheme = url?.scheme?.lowercased(), scheme == "http" || scheme == "https", url?.host?.isEmpty == false else {
            throw error("base_url \"\(config.baseURL)\" is not an http(s) URL; write it like https://api.example.com/v1")
        }
        guard config.maxConcurrency >= 1 else {
            throw error("max_concurrency is \(config.maxConcurrency); it must be at least 1")
        }
        guard config.retries >= 0 else {
            throw error("retries is \(config.retries); it must be 0 or more")
        }
        let timeouts = [("connect", config.timeouts.connect), ("first_token", config.timeouts.firstToken), ("total", config.timeouts.total)]
        for (name, seconds) in timeouts where !(seconds > 0 && seconds <= 86_400) {
            throw error("timeout.\(name) is \(seconds) s; every timeout must be more than 0 and at most 86400 seconds (a day)")
        }
        for (name, limit) in [("requests_per_minute", config.requestsPerMinute), ("tokens_per_minute", config.tokensPerMinute)] {
            // At least one a minute, so no start waits more than a minute for the throttle.
            if let limit, !(limit >= 1 && limit.isFinite) {
                throw error("\(name) is \(limit); it must be at least 1 (or left out for no limit)")
            }
        }
    }

    /// What failure messages must never show: the key and every value expanded into a header.
    func secrets(headerTemplates: [HeaderTemplate]) -> [String] {
        var secrets = headerTemplates.flatMap(\.variables).compactMap { environment[$0] }
        if let variable = config.apiKeyEnv, let key = environment[variable] {
            secrets.append(key)
            secrets.append(key.trimmingCharacters(in: .whitespaces))
        }
        return secrets
    }
}
