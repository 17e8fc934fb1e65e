import Foundation
import ModelIO
import TestSupport
import TensorKit
import Testing
import Training

/// The golden conversation as one raw prompt/completion pair, split after "<|im_start|>assistant\n".
private func goldenConversationFile(in directory: URL) throws -> URL {
    let text = try Fixtures.json("tiny-llama-golden.json")["text"] as! String
    let marker = "<|im_start|>assistant\n"
    let split = text.range(of: marker)!.upperBound
    let line = try JSONSerialization.data(withJSONObject: ["prompt": String(text[..<split]), "completion": String(text[split...])])
    let url = directory.appendingPathComponent("golden.jsonl")
    try (line + Data("\n".utf8)).write(to: url)
    return url
}

@Test func oneSGDStepFromTheFixtureAdapterSubtractsTheLearningRateTimesTheGoldenGradient() throws {
    let directory = try Fixtures.temporaryFolder("sgd")
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try goldenConversationFile(in: directory)
    let out = directory.appendingPathComponent("adapter")
    let lr: Float = 0.5
    let result = try TollgateBinary.run(["train", "--model", Fixtures.url("tiny-llama.gguf").path, "--data", data.path,
                                         "--out", out.path, "--template", "raw", "--init-adapter", Fixtures.url("tiny-llama-lora").path,
                                         "--optimizer", "sgd", "--lr", "\(lr)", "--steps", "1", "--batch-size", "1"])
    #expect(result.status == 0, "\(result.stderr)")
    let before = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora/adapter_model.safetensors"))
    let gradients = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora-grads.safetensors"))
    let after = try SafeTensors.read(url: out.appendingPathComponent("adapter_model.safetensors"))
    #expect(Set(after.names) == Set(before.names))
    for key in before.names {
        let a = try before.floats(key), g = try gradients.floats(key), updated = try after.floats(key)
        #expect(after.shape(key) == before.shape(key))
        let expected = zip(a, g).map { $0 - lr * $1 }
        let difference = zip(updated, expected).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) }.squareRoot()
        let step = g.reduce(0.0) { $0 + pow(Double(lr * $1), 2) }.squareRoot()
        #expect(difference / step < 1e-3, "\(key)")
    }
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter_config.json"))) as! [String: Any]
    #expect(config["r"] as? Int == 4)
    #expect(config["peft_type"] as? String == "LORA")
}

private func trainingDataFile(in directory: URL) throws -> URL {
    let pairs = [("Where is order 17?", "It ships tomorrow."), ("Cancel order 9.", "Order 9 is cancelled."),
                 ("Refund for order 3?", "The refund is on its way."), ("Track parcel 42.", "Parcel 42 is in the depot."),
                 ("Change address on 5.", "The address of order 5 is changed."), ("Is 8 late?", "Order 8 arrives today.")]
    let lines = try pairs.map { String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": $0.0, "completion": $0.1]), as: UTF8.self) }
    let url = directory.appendingPathComponent("train.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// Every precision this CPU can run (bf16 needs AVX-512 BF16; int8 runs everywhere).
private let runnablePrecisions = ComputePrecision.allCases.filter { $0.unavailableReason == nil }

@Test(arguments: runnablePrecisions)
func killedRunResumesToABitIdenticalAdapter(precision: ComputePrecision) throws {
    let directory = try Fixtures.temporaryFolder("resume")
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try trainingDataFile(in: directory)
    func arguments(_ out: URL) -> [String] {
        ["train", "--model", Fixtures.url("tiny-llama.gguf").path, "--data", data.path, "--out", out.path,
         "--template", "chatml", "--rank", "4", "--targets", "q,k,v,o,gate,up,down", "--steps", "24", "--batch-size", "2",
         "--lr", "1e-2", "--warmup", "3", "--schedule", "cosine", "--dropout", "0.1", "--clip", "1", "--save-every", "1", "--seed", "7",
         "--precision", precision.rawValue]
    }
    let reference = directory.appendingPathComponent("uninterrupted")
    let first = try TollgateBinary.run(arguments(reference))
    #expect(first.status == 0, "\(first.stderr)")

    let interrupted = directory.appendingPathComponent("interrupted")
    let killAt = Int.random(in: 2...20)
    let process = Process()
    process.executableURL = TollgateBinary.url
    process.arguments = arguments(interrupted)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let latest = interrupted.appendingPathComponent("checkpoints/latest")
    while process.isRunning {
        if let name = try? String(contentsOf: latest, encoding: .utf8), let step = Int(name.dropFirst(5)), step >= killAt {
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(2000)
    }
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal, "the run finished before step \(killAt); nothing was interrupted")
    let resumed = try TollgateBinary.run(arguments(interrupted) + ["--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let expected = try Data(contentsOf: reference.appendingPathComponent("adapter_model.safetensors"))
    let actual = try Data(contentsOf: interrupted.appendingPathComponent("adapter_model.safetensors"))
    #expect(expected == actual)
    let initial = try Data(contentsOf: reference.appendingPathComponent("checkpoints/step-000001/adapter_model.safetensors"))
    #expect(initial != expected)
}

@Test(.enabled(if: BF16Matrix.isAvailable, "this CPU has no AVX-512 BF16"))
func resumingInAnotherPrecisionIsRefused() throws {
    let directory = try Fixtures.temporaryFolder("precision")
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try trainingDataFile(in: directory)
    let out = directory.appendingPathComponent("adapter")
    let arguments = ["train", "--model", Fixtures.url("tiny-llama.gguf").path, "--data", data.path, "--out", out.path,
                     "--template", "chatml", "--rank", "2", "--steps", "2", "--batch-size", "2", "--save-every", "1"]
    let first = try TollgateBinary.run(arguments + ["--precision", "bf16"])
    #expect(first.status == 0, "\(first.stderr)")
    let state = try String(contentsOf: out.appendingPathComponent("checkpoints/step-000002/training_state.json"), encoding: .utf8)
    #expect(state.contains("\"precision\":\"bf16\""))
    let resumed = try TollgateBinary.run(arguments + ["--resume"])
    #expect(resumed.status == 2)
    #expect(resumed.stderr == "tollgate: cannot resume from \(out.path): the checkpoint was trained in bf16 precision and this run asks for f32; pass the same settings as the interrupted run\n")
}

@Test func anUnknownPrecisionIsAUsageError() throws {
    let result = try TollgateBinary.run(["train", "--model", Fixtures.url("tiny-llama.gguf").path, "--data", "x.jsonl",
                                         "--out", "/tmp/unused", "--precision", "fp16"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("--precision must be f32, bf16, int8 or auto, not 'fp16'."))
}

@Test(.disabled(if: BF16Matrix.isAvailable, "runs only on a CPU without AVX-512 BF16"))
func bf16OnACPUWithoutItIsInvalidInput() throws {
    let directory = try Fixtures.temporaryFolder("no-bf16")
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try trainingDataFile(in: directory)
    let result = try TollgateBinary.run(["train", "--model", Fixtures.url("tiny-llama.gguf").path, "--data", data.path,
                                         "--out", directory.appendingPathComponent("adapter").path, "--precision", "bf16"])
    #expect(result.status == 2)
    #expect(result.stderr == "tollgate: cannot use that precision: this CPU has no AVX-512 BF16 instructions; use f32 or int8\n")
}
