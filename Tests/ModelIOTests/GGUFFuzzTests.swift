import Foundation
import ModelIO
import Testing
import TestSupport

/// Seeded damage to the real-sized fixture: every case must load or throw `GGUFError` — no crash,
/// no hang, no allocation out of proportion to the file.
@Suite struct GGUFFuzzTests {
    static let fixture = Fixtures.url("tiny-llama.gguf")

    /// Loads the file at `url`; when it loads, decodes every tensor so bad offsets would surface too.
    static func loadOrFailCleanly(_ url: URL, _ label: String) -> Bool {
        do {
            let gguf = try GGUFFile(url: url)
            for tensor in gguf.tensors where tensor.type.canDequantize {
                let values = try gguf.dequantize(tensor)
                if values.count != tensor.elementCount { Issue.record("\(label): \(tensor.name) decoded to \(values.count) values") }
            }
            return true
        } catch is GGUFError {
            return false
        } catch {
            Issue.record("\(label): threw \(error), not a GGUFError")
            return false
        }
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func thousandSeededByteFlipsInTheHeaderLoadOrFailCleanly() throws {
        let original = try Data(contentsOf: Self.fixture)
        let gguf = try GGUFFile(url: Self.fixture)
        let headerEnd = gguf.dataOffset
        // The tensor directory sits just before the data; aim a share of the flips at it and at the
        // fixed header fields, where damage matters most (most header bytes are token text).
        let directoryBytes = gguf.tensors.reduce(0) { $0 + 8 + $1.name.utf8.count + 4 + 8 * $1.dimensions.count + 4 + 8 }
        let directoryStart = max(0, headerEnd - directoryBytes - gguf.alignment)
        let url = temporaryURL("fuzz.gguf")
        try original.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forUpdating: url)
        defer { try? handle.close() }

        var generator = SeededGenerator(seed: 20_261_124)
        var loaded = 0, failed = 0
        for trial in 0 ..< 1000 {
            var offsets: [Int] = []
            for _ in 0 ..< Int.random(in: 1 ... 3, using: &generator) {
                switch trial % 5 {
                case 0, 1: offsets.append(Int.random(in: 0 ..< 4096, using: &generator))
                case 2, 3: offsets.append(Int.random(in: directoryStart ..< headerEnd, using: &generator))
                default: offsets.append(Int.random(in: 0 ..< headerEnd, using: &generator))
                }
            }
            for offset in offsets {
                let flipped = original[offset] ^ UInt8.random(in: 1 ... 255, using: &generator)
                try handle.seek(toOffset: UInt64(offset))
                try handle.write(contentsOf: [flipped])
            }
            if Self.loadOrFailCleanly(url, "flip \(trial) at \(offsets)") { loaded += 1 } else { failed += 1 }
            for offset in offsets {
                try handle.seek(toOffset: UInt64(offset))
                try handle.write(contentsOf: [original[offset]])
            }
        }
        #expect(loaded + failed == 1000)
        #expect(failed > 100, "the flips hit the structure often enough to matter")
        #expect(Self.peakResidentBytes() < 8 << 30)
    }

    @Test func twoHundredSeededTruncationsLoadOrFailCleanly() throws {
        let original = try Data(contentsOf: Self.fixture)
        let headerEnd = try GGUFFile(url: Self.fixture).dataOffset
        var generator = SeededGenerator(seed: 42)
        let url = temporaryURL("truncated.gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        for trial in 0 ..< 200 {
            // Most cuts inside the header, the rest anywhere in the data.
            let length = trial % 4 == 3 ? Int.random(in: headerEnd ..< original.count, using: &generator)
                                        : Int.random(in: 0 ..< headerEnd, using: &generator)
            try original.prefix(length).write(to: url)
            #expect(!Self.loadOrFailCleanly(url, "truncated at \(length)"), "a file cut at \(length) of \(original.count) bytes loaded")
        }
        #expect(Self.peakResidentBytes() < 8 << 30)
    }
}
