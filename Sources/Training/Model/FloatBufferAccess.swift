import TensorKit

extension FloatBuffer {
    /// Short name for the kernels' argument lists.
    var p: UnsafeMutablePointer<Float> { pointer }

    /// Zeros the first `count` floats (a workspace buffer can be longer than the step using it).
    func zero(_ count: Int) {
        precondition(count <= self.count)
        p.update(repeating: 0, count: count)
    }
}
