#if TOLLGATE_LIBFUZZER
import CLibFuzzer
#endif
import Foundation

// tollgate-fuzz TARGET [libFuzzer options and corpus folders]
// Built by `make fuzz` with -sanitize=address, coverage and libFuzzer (TOLLGATE_LIBFUZZER): runs
// libFuzzer on TARGET. Built plainly (`swift build`): runs TARGET once on each file named, which is
// how the regression inputs under Fuzz/corpus are replayed without a sanitizer build.

// libFuzzer runs this binary again for -minimize_crash (and -merge, -fork) with its own options only:
// the target's name reaches those children through TOLLGATE_FUZZ_TARGET, set below.
let inheritedTarget = ProcessInfo.processInfo.environment["TOLLGATE_FUZZ_TARGET"]
let arguments = inheritedTarget.map { [CommandLine.arguments[0], $0] + CommandLine.arguments.dropFirst() } ?? CommandLine.arguments
guard arguments.count >= 2, let target = allTargets.first(where: { $0.name == arguments[1] }) else {
    var usage = "usage: tollgate-fuzz TARGET [libFuzzer options] [corpus folders]\ntargets:\n"
    for target in allTargets { usage += "  \(target.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(target.summary)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(64)
}
setvbuf(stdout, nil, _IOLBF, 0)
target.prepare()
InputCPULimit.install()

#if TOLLGATE_LIBFUZZER
nonisolated(unsafe) var selected = target
setenv("TOLLGATE_FUZZ_TARGET", target.name, 1)
// libFuzzer reads argv[0] and its own options; the target's name is taken out of the list.
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var cArguments: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
var argc = Int32(driverArguments.count)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
        let data = count == 0 ? Data() : Data(bytes: bytes!, count: count)
        InputCPULimit.run { selected.run(data) }
        return 0
    }
}
ScratchFile.removeAll()
exit(status)
#else
var replayed = 0
for path in arguments.dropFirst(2) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
    let files = isDirectory.boolValue
        ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        InputCPULimit.run { target.run(data) }
        replayed += 1
    }
}
ScratchFile.removeAll()
print("tollgate-fuzz \(target.name): replayed \(replayed) inputs without a finding")
#endif
