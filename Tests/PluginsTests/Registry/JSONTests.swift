import Foundation
import Plugins
import XCTest

final class JSONTests: XCTestCase {
    func testParsesEveryKindOfValueAndKeepsKeyOrder() throws {
        let v = try JSONParser.parse(#"{"z": 1, "a": [true, false, null, -2.5e2, "x\"\u00e9\ud83d\ude00\n"], "m": {}}"#)
        guard case .object(let pairs) = v else { return XCTFail("\(v)") }
        XCTAssertEqual(pairs.map(\.key), ["z", "a", "m"])
        XCTAssertEqual(v["a"], .array([.bool(true), .bool(false), .null, .number(-250), .string("x\"é😀\n")]))
        XCTAssertEqual(v["m"], .object([]))
    }

    func testPrintsBackWhatItRead() throws {
        let text = #"{"schema": 1, "models": [{"id": "a", "shape": ["N", 3], "range": [-1, 0.5], "note": "tab\tquote\""}]}"#
        let v = try JSONParser.parse(text)
        XCTAssertEqual(try JSONParser.parse(JSONPrinter.pretty(v)), v)
        XCTAssertEqual(JSONPrinter.compact(v), text)
        // Short flat values stay on one line; containers of objects do not.
        XCTAssertEqual(JSONPrinter.pretty(v), """
        {
          "schema": 1,
          "models": [
            {"id": "a", "shape": ["N", 3], "range": [-1, 0.5], "note": "tab\\tquote\\""}
          ]
        }

        """)
    }

    func testSyntaxErrorsSayWhere() {
        func failure(_ text: String) -> String {
            do { _ = try JSONParser.parse(text); return "parsed" } catch { return "\(error)" }
        }
        XCTAssertEqual(failure("{\n  \"a\": 1,\n  \"a\": 2\n}"), "line 3, column 3: duplicate key \"a\"")
        XCTAssertEqual(failure("{\"a\": [1, 2,]}"), "line 1, column 13: expected a value, found ']'")
        XCTAssertEqual(failure("{\"a\": 1} x"), "line 1, column 10: unexpected 'x' after the end of the document")
        XCTAssertEqual(failure("[01]"), "line 1, column 3: expected ',' or ']' in an array, found '1'")
        XCTAssertEqual(failure("\"\\ud800\""), "line 1, column 8: unpaired surrogate \\ud800")
        XCTAssertEqual(failure(""), "line 1, column 1: unexpected end of file, expected a value")
        XCTAssertEqual(failure(String(repeating: "[", count: 600)), "line 1, column 513: nested deeper than 512 levels")
    }

    func testNodeErrorsNameTheJSONPath() throws {
        let n = JSONNode(try JSONParser.parse(#"{"models": [{"idd": 1, "shape": [1, "x", 2.5]}]}"#), source: "p.json")
        let m = try n.require("models").array()[0]
        XCTAssertThrowsError(try m.checkKeys(["id", "shape"])) {
            XCTAssertEqual("\($0)", #"p.json: $.models[0]: unknown key "idd" (did you mean "id"?); allowed: id, shape"#)
        }
        XCTAssertThrowsError(try m.require("id")) { XCTAssertEqual("\($0)", #"p.json: $.models[0]: missing required key "id""#) }
        XCTAssertThrowsError(try m.require("shape").array()[2].int()) { XCTAssertEqual("\($0)", "p.json: $.models[0].shape[2]: expected an integer, got 2.5") }
        XCTAssertThrowsError(try m.require("shape").array()[0].string()) { XCTAssertEqual("\($0)", "p.json: $.models[0].shape[0]: expected a string, got a number (1)") }
    }
}
