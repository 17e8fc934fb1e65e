import Endpoints
import XCTest

/// The client's own cost per request against a server that answers at once. Prints, never asserts
/// speed (the machine is shared); asserts only that every request was answered.
final class EndpointThroughputTests: XCTestCase {
    func testOverheadPerRequestAgainstAnInstantServer() async throws {
        for (concurrency, count) in [(1, 300), (16, 600)] {
            for stream in [true, false] {
                try await withEndpoint(configure: {
                    $0.maxConcurrency = concurrency
                    $0.stream = stream
                }) { client, server in
                    await client.completeAll((0..<20).map { chat("warm-up \($0)") }, onResult: { _, _ in })
                    let log = ResultLog()
                    let elapsed = await secondsTaken {
                        await client.completeAll((0..<count).map { chat("q\($0)") }, onResult: { log.record($0, $1) })
                    }
                    XCTAssertEqual(log.byIndex.values.filter { (try? $0.get()) != nil }.count, count)
                    XCTAssertLessThanOrEqual(server.connectionsOpened, concurrency, "connections are reused")
                    print(String(format: "endpoint overhead: concurrency %2d, %@: %d requests in %.2f s = %.0f requests/s, %.3f ms per request, %d connections",
                                 concurrency, stream ? "streamed" : "JSON    ", count, elapsed, Double(count) / elapsed, elapsed * 1000 / Double(count),
                                 server.connectionsOpened))
                }
            }
        }
    }
}
