import Endpoints
import XCTest

final class ServerSentEventParserTests: XCTestCase {
    /// Whole stream → event data, fed at once, byte by byte, and in 3-byte reads (line ends split
    /// across reads must not change anything).
    func testEventsAreTheSameHoweverTheBytesArrive() {
        let table: [(name: String, stream: String, events: [String])] = [
            ("LF", "data: a\n\ndata: b\n\n", ["a", "b"]),
            ("CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", ["a", "b"]),
            ("CR alone", "data: a\r\rdata: b\r\r", ["a", "b"]),
            ("multi-line event joined with LF", "data: {\"x\":\ndata: 1}\n\n", ["{\"x\":\n1}"]),
            ("comments are skipped", ": keep-alive\n\ndata: a\n: ping\n\n", ["a"]),
            ("no space after the colon", "data:a\n\n", ["a"]),
            ("only one leading space removed", "data:  a\n\n", [" a"]),
            ("other fields ignored", "event: message\nid: 7\nretry: 100\ndata: a\n\n", ["a"]),
            ("blank lines without data make no event", "\n\n\ndata: a\n\n\n", ["a"]),
            ("a field with no colon is a name with an empty value", "data\n\n", [""]),
            ("the last event is delivered without its blank line", "data: a\n\ndata: [DONE]", ["a", "[DONE]"]),
            ("UTF-8 split across reads stays whole", "data: héllo ✓\n\n", ["héllo ✓"]),
            ("similar field names are not data", "datum: x\ndata2: y\n\n", []),
        ]
        for row in table {
            let bytes = Array(row.stream.utf8)
            for readSize in [bytes.count, 1, 3] {
                var parser = ServerSentEventParser()
                var events: [String] = []
                for start in stride(from: 0, to: bytes.count, by: max(readSize, 1)) {
                    events += parser.feed(bytes[start..<min(start + readSize, bytes.count)])
                }
                events += parser.finish()
                XCTAssertEqual(events, row.events, "\(row.name), reads of \(readSize) bytes")
            }
        }
    }

    func testAnEventIsReturnedByTheReadThatCompletesIt() {
        var parser = ServerSentEventParser()
        XCTAssertEqual(parser.feed(Array("data: a\n".utf8)), [])
        XCTAssertEqual(parser.feed(Array("\ndata: b".utf8)), ["a"])
        XCTAssertEqual(parser.feed(Array("\r".utf8)), [])
        XCTAssertEqual(parser.feed(Array("\n\r\n".utf8)), ["b"])
        XCTAssertEqual(parser.finish(), [])
    }
}
