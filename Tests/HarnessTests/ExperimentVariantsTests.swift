import Foundation
import Harness
import Testing
import Training

private let file = "Experiments/x.yaml"
private let header = "name: swap\nmodel: m.gguf\nadapter: runs/a/adapter\neval_sets:\n  - dataset: d/h.jsonl\n"

@Test func variantsDecodeEachKindOfSource() throws {
    let experiment = try ExperimentFile.parse(yaml: header + """
        variants:
          - name: adapter-runtime
          - {name: fused-q8_0, fuse: q8_0}
          - {name: other, model: models/other.gguf}
          - {name: other-tuned, model: models/other.gguf, adapter: runs/other/adapter}
          - {name: base, adapter: none}
          - {name: second-adapter, adapter: runs/b/adapter}
        """, file: file)
    #expect(experiment.variants == [
        VariantPlan(name: "adapter-runtime", source: .served(model: nil, adapter: .experiment)),
        VariantPlan(name: "fused-q8_0", source: .fused(type: "q8_0")),
        VariantPlan(name: "other", source: .served(model: "models/other.gguf", adapter: .none)),
        VariantPlan(name: "other-tuned", source: .served(model: "models/other.gguf", adapter: .path("runs/other/adapter"))),
        VariantPlan(name: "base", source: .served(model: nil, adapter: .none)),
        VariantPlan(name: "second-adapter", source: .served(model: nil, adapter: .path("runs/b/adapter"))),
    ])
}

@Test func anExperimentWithoutVariantsHasNone() throws {
    #expect(try ExperimentFile.parse(yaml: header, file: file).variants.isEmpty)
}

@Test func fuseTakesTheAdapterATrainingBlockProduces() throws {
    let experiment = try ExperimentFile.parse(yaml: """
        name: swap
        model: m.gguf
        training: {data: t.jsonl}
        eval_sets: [{dataset: h.jsonl}]
        variants: [{name: a}, {name: b, fuse: q4_0}]
        """, file: file)
    #expect(experiment.variants.map(\.source) == [.served(model: nil, adapter: .experiment), .fused(type: "q4_0")])
}

@Test func fuseTypesAreTheOnesTheFuseCommandWrites() {
    #expect(VariantPlan.fuseTypes.count == AdapterFusion.writableTypes.count)
    #expect(Set(VariantPlan.fuseTypes) == Set(AdapterFusion.writableTypes.keys))
}

@Test func theModelSwapExperimentParses() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments/model-swap.yaml")
    let experiment = try ExperimentFile.load(path: url.path)
    #expect(experiment.variants.map(\.name) == ["adapter-runtime", "fused-f32", "fused-q8_0", "fused-q4_1", "fused-q4_0"])
    #expect(experiment.variants.first?.source == .served(model: nil, adapter: .experiment))
    // The same training as support-routing-lora.yaml, so its finished adapter is reused.
    let lora = try ExperimentFile.load(path: url.deletingLastPathComponent().appendingPathComponent("support-routing-lora.yaml").path)
    #expect(experiment.training == lora.training)
    #expect(experiment.checkpoints == lora.checkpoints)
}

/// Checked by `badExperimentFileFailsWithFileLineAndKey` with the other bad files.
let badVariantFiles: [BadFile] = [
    BadFile(label: "typo in a variant key", yaml: header + "variants:\n  - name: a\n  - {name: b, fsue: q8_0}\n",
            message: "unknown key 'fsue' in variants[1] at Experiments/x.yaml:8; did you mean 'fuse'?"),
    BadFile(label: "typo in the variants key", yaml: header + "variant:\n  - name: a\n",
            message: "unknown key 'variant' in the top level at Experiments/x.yaml:6; did you mean 'variants'?"),
    BadFile(label: "fuse type typo", yaml: header + "variants:\n  - name: a\n  - {name: b, fuse: q8}\n",
            message: "'variants[1].fuse' at Experiments/x.yaml:8 is 'q8'; use one of f32, f16, q8_0, q4_0, q4_1 (did you mean 'q8_0'?)"),
    BadFile(label: "fuse together with model", yaml: header + "variants:\n  - name: a\n  - {name: b, fuse: q8_0, model: x.gguf}\n",
            message: "'variants[1].model' at Experiments/x.yaml:8 is set together with fuse; a fused variant is the experiment's model with its adapter folded in, so remove model or fuse"),
    BadFile(label: "fuse without an adapter", yaml: "name: n\nmodel: m.gguf\neval_sets: [{dataset: h.jsonl}]\nvariants:\n  - name: a\n  - {name: b, fuse: f16}\n",
            message: "'variants[1].fuse' at Experiments/x.yaml:6 needs an adapter to fold into the model, and the experiment has none; add adapter: or training: at the top level"),
    BadFile(label: "one variant", yaml: header + "variants:\n  - name: a\n",
            message: "'variants' at Experiments/x.yaml:7 lists 1 variant; list the baseline first and at least one candidate to compare with it"),
    BadFile(label: "two variants with one name", yaml: header + "variants:\n  - name: a\n  - {name: a, fuse: f32}\n",
            message: "'variants[1].name' at Experiments/x.yaml:8 gives a second variant named 'a'; give each variant its own name"),
    BadFile(label: "variant without a name", yaml: header + "variants:\n  - name: a\n  - fuse: f32\n",
            message: "missing key 'variants[1].name' at Experiments/x.yaml:8; add a name for the variant, e.g. name: fused-q8_0"),
    BadFile(label: "baseline together with variants", yaml: header + "baseline: base\nvariants:\n  - name: a\n  - {name: b, fuse: f32}\n",
            message: "'baseline' at Experiments/x.yaml:6 is set together with variants; in a model-swap experiment the first variant is the baseline, so remove baseline"),
    BadFile(label: "variants as a mapping", yaml: header + "variants: {name: a}\n",
            message: "'variants' at Experiments/x.yaml:6 must be a list, not a mapping"),
    BadFile(label: "empty adapter path", yaml: header + "variants:\n  - name: a\n  - {name: b, adapter: \"\"}\n",
            message: "'variants[1].adapter' at Experiments/x.yaml:8 is empty; give an adapter path, or none for the model alone"),
]
