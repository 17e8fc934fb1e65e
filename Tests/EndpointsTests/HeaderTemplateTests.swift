import Endpoints
import XCTest

final class HeaderTemplateTests: XCTestCase {
    func testVariablesAreExpandedFromTheEnvironment() {
        let environment = ["CF_TOKEN": "tok-123", "TEAM": "eval", "EMPTY": ""]
        let table: [(template: String, expanded: String?, variables: [String])] = [
            ("true", "true", []),
            ("Bearer ${CF_TOKEN}", "Bearer tok-123", ["CF_TOKEN"]),
            ("${TEAM}-${TEAM}", "eval-eval", ["TEAM", "TEAM"]),
            ("${TEAM}${CF_TOKEN}", "evaltok-123", ["TEAM", "CF_TOKEN"]),
            ("cost $5 and $HOME", "cost $5 and $HOME", []),
            ("[${MISSING}]", "[]", ["MISSING"]),
            ("${UNCLOSED", nil, []),
            ("${}", nil, []),
            ("${A-B}", nil, []),
        ]
        for row in table {
            let template = HeaderTemplate(row.template)
            XCTAssertEqual(template?.expand(environment), row.expanded, row.template)
            if let template { XCTAssertEqual(template.variables, row.variables, row.template) }
        }
    }
}
