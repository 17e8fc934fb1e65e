/// Server-sent events as the HTML standard defines them, reduced to what chat streams use: the
/// `data` of each event. Lines end in LF, CRLF or CR (a CRLF split between two reads is one line
/// end); `data:` lines of one event are joined with "\n"; a blank line ends the event; lines
/// starting with ":" are comments (keep-alives); other fields (`event`, `id`, `retry`) are ignored.
///
/// Bytes are fed as they arrive, in chunks of any size: events are not aligned with reads.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var dataLines: [String] = []
    private var hasData = false
    /// The previous byte ended a line with CR: a following LF belongs to that line end.
    private var lastByteWasCR = false

    public init() {}

    /// The data of every event these bytes complete, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        var events: [String] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n") where lastByteWasCR:
                lastByteWasCR = false
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lastByteWasCR = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                lastByteWasCR = false
                line.append(byte)
            }
        }
        return events
    }

    /// The end of the stream: an event whose blank line never came is still delivered, so a server
    /// that closes right after its last `data:` line loses nothing.
    public mutating func finish() -> [String] {
        var events: [String] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if let event = endLine() { events.append(event) }
        return events
    }

    /// Interprets the line read so far; returns an event when the line was blank and ended one.
    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            guard hasData else { return nil }
            let event = dataLines.joined(separator: "\n")
            dataLines.removeAll(keepingCapacity: true)
            hasData = false
            return event
        }
        if line[0] == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return nil }
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        dataLines.append(String(decoding: line[valueStart...], as: UTF8.self))
        hasData = true
        return nil
    }
}
