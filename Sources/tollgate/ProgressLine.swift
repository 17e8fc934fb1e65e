import Foundation

/// A progress bar on a terminal (redrawn in place on stderr); plain lines at each tenth when
/// stderr is not a terminal, so CI logs stay readable.
final class ProgressLine {
    private let label: String
    private let interactive = isatty(STDERR_FILENO) != 0
    private let started = Date()
    private var lastTenth = -1
    private var drawn = false

    init(label: String) { self.label = label }

    func update(done: Int, total: Int, note: String = "") {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 && done < total ? elapsed / Double(done) * Double(total - done) : 0
        let suffix = "\(done)/\(total)" + (note.isEmpty ? "" : ", \(note)") + (eta > 0 ? ", ETA \(Int(eta.rounded())) s" : "")
        if interactive {
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write("\r\(label) [\(bar)] \(suffix)\u{1B}[K")
            drawn = true
        } else {
            let tenth = Int(fraction * 10)
            guard tenth != lastTenth else { return }
            lastTenth = tenth
            write("\(label): \(suffix)\n")
        }
    }

    func finish() {
        if interactive && drawn { write("\n") }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
