import XCTest
final class ParityTestsPlaceholder: XCTestCase { func testNothing() {} }
