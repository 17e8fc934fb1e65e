import Foundation

/// A step into a JSON value from JSONSerialization: an object key or an array index.
enum JSONPathStep {
    case key(String)
    case index(Int)
}

/// Every string leaf of `json`, in a stable order (object keys sorted).
func stringPaths(_ json: Any, prefix: [JSONPathStep]) -> [[JSONPathStep]] {
    if json is String { return [prefix] }
    if let object = json as? [String: Any] {
        return object.keys.sorted().flatMap { stringPaths(object[$0]!, prefix: prefix + [.key($0)]) }
    }
    if let array = json as? [Any] {
        return array.indices.flatMap { stringPaths(array[$0], prefix: prefix + [.index($0)]) }
    }
    return []
}

/// `json` with the leaf at `path` replaced by `value`.
func replacing(_ json: Any, at path: ArraySlice<JSONPathStep>, with value: String) -> Any {
    guard let step = path.first else { return value }
    switch step {
    case let .key(key):
        guard var object = json as? [String: Any], let child = object[key] else { return json }
        object[key] = replacing(child, at: path.dropFirst(), with: value)
        return object
    case let .index(index):
        guard var array = json as? [Any], array.indices.contains(index) else { return json }
        array[index] = replacing(array[index], at: path.dropFirst(), with: value)
        return array
    }
}
