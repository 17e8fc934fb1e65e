import ArgumentParser
import Tokenizer

/// `--template`, `--template-file`, `--template-var K=V` and `--template-date`, shared by train, eval,
/// generate and template.
struct TemplateOptions: ParsableArguments {
    @Option(help: "Chat template: auto (the model's own Jinja template; raw when it has none), chatml, llama3, raw, or NAME for the model's tokenizer.chat_template.NAME.")
    var template: String = "auto"

    @Option(help: "A Jinja chat template file to use instead of the model's.")
    var templateFile: String?

    @Option(help: ArgumentHelp("A variable for the template, NAME=VALUE (repeatable); VALUE is read as JSON when it can be (false, 3, \"x\").",
                               valueName: "NAME=VALUE"))
    var templateVar: [String] = []

    @Option(help: "The date strftime_now gives the template, YYYY-MM-DD (Llama 3.2 writes today's date into every prompt).")
    var templateDate: String?

    func validate() throws {
        guard template.first.map({ $0.isLetter || $0 == "_" }) == true,
              template.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw ValidationError("--template must be auto, chatml, llama3, raw or the name of one of the model's templates.")
        }
        do {
            _ = try settings().pinnedDate()
        } catch {
            throw ValidationError((error as? ChatTemplateError)?.errorDescription ?? "\(error)")
        }
    }

    /// The choices as the libraries take them.
    func settings() throws -> TemplateSettings {
        do {
            return TemplateSettings(choice: template, file: templateFile,
                                    variables: try TemplateSettings.parseAssignments(templateVar), date: templateDate)
        } catch let error as ChatTemplateError {
            throw ValidationError(error.errorDescription ?? "\(error)")
        }
    }
}
