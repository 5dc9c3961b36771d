import XCTest
final class ImporterTestsPlaceholder: XCTestCase { func testNothing() {} }
