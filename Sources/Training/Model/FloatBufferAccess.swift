import TensorKit

extension FloatBuffer {
    /// Short name for the kernels' argument lists.
    var p: UnsafeMutablePointer<Float> { pointer }
}
