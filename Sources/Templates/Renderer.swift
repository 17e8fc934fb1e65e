import Foundation

/// Variables visible at one point of a rendering. jinja2's rules: the template body shares one
/// scope (`if` opens none); each for-loop iteration and each macro call gets a fresh child scope,
/// so `{% set %}` inside a loop is forgotten at the next iteration (hence `namespace()`).
final class Scope {
    private var variables: [String: JinjaValue] = [:]
    let parent: Scope?

    init(parent: Scope?, _ variables: [String: JinjaValue] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    func lookup(_ name: String) -> JinjaValue? {
        var scope: Scope? = self
        while let s = scope {
            if let value = s.variables[name] { return value }
            scope = s.parent
        }
        return nil
    }

    func set(_ name: String, _ value: JinjaValue) { variables[name] = value }
}

/// `loop` inside a for block.
public final class LoopState: @unchecked Sendable {
    let items: [JinjaValue]
    var index0 = 0
    let depth0: Int
    var lastChanged: [JinjaValue]? = nil
    init(items: [JinjaValue], depth0: Int) {
        self.items = items
        self.depth0 = depth0
    }
}

/// Runs a parsed template. One renderer per rendering: it owns the output, the sandbox budget and
/// the spans of `{% generation %}` blocks.
final class Renderer {
    let template: String
    let now: Date
    var budget: SandboxBudget
    private var buffers: [String] = [""]
    private var bufferBytes: [Int] = [0]
    private(set) var generationSpans: [Range<Int>] = []
    var currentLine = 1
    var loopDepth = 0
    /// The body of the `{% call %}` block whose macro is about to run.
    var pendingCaller: JinjaCallable?

    init(template: String, limits: SandboxLimits, now: Date) {
        self.template = template
        self.now = now
        self.budget = SandboxBudget(limits: limits)
    }

    enum Flow { case normal, breakLoop, continueLoop }

    var output: String { buffers[0] }

    func write(_ text: String) throws {
        let bytes = text.utf8.count
        bufferBytes[bufferBytes.count - 1] += bytes
        try budget.checkSize(bufferBytes[bufferBytes.count - 1], of: "the output")
        buffers[buffers.count - 1] += text
    }

    /// Renders `body` into a string of its own (macro calls, block set, filter blocks).
    func capture(_ body: () throws -> Flow) throws -> String {
        buffers.append("")
        bufferBytes.append(0)
        defer { buffers.removeLast(); bufferBytes.removeLast() }
        _ = try body()
        return buffers[buffers.count - 1]
    }

    /// Runs a top-level body, turning failures into `TemplateError`s that carry the line.
    func run(_ nodes: [TemplateNode], scope: Scope) throws {
        do {
            _ = try execute(nodes, scope: scope)
        } catch let failure as EvaluationFailure {
            throw TemplateError(failure.kind, template: template, line: currentLine, failure.message)
        }
    }

    func execute(_ nodes: [TemplateNode], scope: Scope) throws -> Flow {
        for node in nodes {
            try budget.step()
            let flow = try execute(node, scope: scope)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ node: TemplateNode, scope: Scope) throws -> Flow {
        switch node {
        case .text(let text):
            try write(text)
        case .output(let expression, let line):
            currentLine = line
            try write(try pythonString(evaluate(expression, scope)))
        case .ifChain(let branches, let otherwise, let line):
            currentLine = line
            for (condition, body) in branches where try evaluate(condition, scope).isTruthy {
                return try execute(body, scope: scope)
            }
            return try execute(otherwise, scope: scope)
        case .forLoop(let loop):
            currentLine = loop.line
            return try executeFor(loop, scope: scope)
        case .set(let target, let expression, let line):
            currentLine = line
            try assign(target, try evaluate(expression, scope), scope: scope)
        case .setBlock(let target, let filters, let body, let line):
            currentLine = line
            var value = JinjaValue.string(try capture { try execute(body, scope: scope) })
            for (name, arguments) in filters {
                value = try applyFilter(name, to: value, try evaluateArguments(arguments, scope))
            }
            try assign(target, value, scope: scope)
        case .macro(let macro):
            scope.set(macro.name, .callable(makeMacro(macro, definedIn: scope)))
        case .callBlock(let call, let parameters, let body, let line):
            currentLine = line
            // jinja2 hands the block to the macro as `caller`; it is bound when the macro starts.
            guard case .call(let callee, let arguments) = call else { return .normal }
            let evaluated = try evaluateArguments(arguments, scope)
            guard case .callable(let macro) = try evaluate(callee, scope) else {
                throw EvaluationFailure.runtime("the call block does not call a macro")
            }
            pendingCaller = makeMacro(.init(name: "caller", parameters: parameters, body: body, line: line), definedIn: scope)
            defer { pendingCaller = nil }
            try write(try pythonString(macro.call(evaluated, self)))
        case .filterBlock(let filters, let body, let line):
            currentLine = line
            var value = JinjaValue.string(try capture { try execute(body, scope: scope) })
            for (name, arguments) in filters {
                value = try applyFilter(name, to: value, try evaluateArguments(arguments, scope))
            }
            try write(pythonString(value))
        case .with(let assignments, let body, let line):
            currentLine = line
            let inner = Scope(parent: scope)
            for (name, expression) in assignments { inner.set(name, try evaluate(expression, scope)) }
            return try execute(body, scope: inner)
        case .breakLoop(let line):
            currentLine = line
            if loopDepth == 0 { throw EvaluationFailure.runtime("break outside a for loop") }
            return .breakLoop
        case .continueLoop(let line):
            currentLine = line
            if loopDepth == 0 { throw EvaluationFailure.runtime("continue outside a for loop") }
            return .continueLoop
        case .generation(let body, _):
            let start = bufferBytes.count == 1 ? bufferBytes[0] : nil
            let flow = try execute(body, scope: scope)
            if let start, bufferBytes.count == 1 { generationSpans.append(start..<bufferBytes[0]) }
            return flow
        }
        return .normal
    }

    private func assign(_ target: TemplateNode.SetTarget, _ value: JinjaValue, scope: Scope) throws {
        switch target {
        case .names(let names) where names.count == 1:
            scope.set(names[0], value)
        case .names(let names):
            let items = try iterate(value)
            guard items.count == names.count else {
                throw EvaluationFailure.runtime("cannot unpack \(items.count) values into \(names.count) names")
            }
            for (name, item) in zip(names, items) { scope.set(name, item) }
        case .attribute(let name, let attribute):
            guard case .namespace(let namespace)? = scope.lookup(name) else {
                throw EvaluationFailure.runtime("cannot assign attribute on non-namespace object")
            }
            namespace.attributes[attribute] = value
        }
    }

    private func executeFor(_ loop: TemplateNode.ForLoop, scope: Scope) throws -> Flow {
        var items = try iterate(try evaluate(loop.iterable, scope))
        if let filter = loop.filter {
            items = try items.filter { item in
                let probe = Scope(parent: scope)
                try bindTargets(loop.targets, item, in: probe)
                return try evaluate(filter, probe).isTruthy
            }
        }
        if items.isEmpty { return try execute(loop.otherwise, scope: scope) }
        let state = LoopState(items: items, depth0: loopDepth)
        loopDepth += 1
        defer { loopDepth -= 1 }
        for (i, item) in items.enumerated() {
            try budget.loopIteration()
            state.index0 = i
            let iteration = Scope(parent: scope, ["loop": .loop(state)])
            try bindTargets(loop.targets, item, in: iteration)
            if try execute(loop.body, scope: iteration) == .breakLoop { break }
        }
        return .normal
    }

    private func bindTargets(_ targets: [String], _ item: JinjaValue, in scope: Scope) throws {
        if targets.count == 1 { scope.set(targets[0], item); return }
        let parts = try iterate(item)
        guard parts.count == targets.count else {
            throw EvaluationFailure.runtime("cannot unpack \(parts.count) values into \(targets.count) loop variables")
        }
        for (name, part) in zip(targets, parts) { scope.set(name, part) }
    }

    /// A macro as a callable: arguments bound by position then keyword, defaults evaluated at the call.
    private func makeMacro(_ macro: TemplateNode.Macro, definedIn definition: Scope) -> JinjaCallable {
        JinjaCallable(name: macro.name) { arguments, renderer in
            guard renderer.budget.callDepth < renderer.budget.limits.maximumCallDepth else {
                throw EvaluationFailure.sandbox("macro calls nested deeper than \(renderer.budget.limits.maximumCallDepth) (recursion)")
            }
            renderer.budget.callDepth += 1
            defer { renderer.budget.callDepth -= 1 }
            let local = Scope(parent: definition)
            if let caller = renderer.pendingCaller {
                local.set("caller", .callable(caller))
                renderer.pendingCaller = nil
            }
            guard arguments.positional.count <= macro.parameters.count else {
                throw EvaluationFailure.unsupported("extra positional arguments to macro '\(macro.name)' (varargs)")
            }
            for (i, (name, defaultValue)) in macro.parameters.enumerated() {
                if i < arguments.positional.count {
                    local.set(name, arguments.positional[i])
                } else if let keyword = arguments.keywords.first(where: { $0.0 == name }) {
                    local.set(name, keyword.1)
                } else if let defaultValue {
                    local.set(name, try renderer.evaluate(defaultValue, local))
                } else {
                    local.set(name, .undefined(name))
                }
            }
            if let extra = arguments.keywords.first(where: { k in !macro.parameters.contains { $0.0 == k.0 } }) {
                throw EvaluationFailure.unsupported("keyword argument '\(extra.0)' not declared by macro '\(macro.name)' (kwargs)")
            }
            let savedDepth = renderer.loopDepth
            renderer.loopDepth = 0
            defer { renderer.loopDepth = savedDepth }
            return .string(try renderer.capture { try renderer.execute(macro.body, scope: local) })
        }
    }
}
