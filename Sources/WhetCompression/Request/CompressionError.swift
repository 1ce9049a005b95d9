import Foundation
import WhetCore

/// Bad input or a request the compressor cannot serve, each with what was expected.
public enum CompressionError: UserFacingError, Equatable {
    case emptyInput(source: String)
    case binaryInput(source: String, byteOffset: Int)
    case invalidUTF8(source: String, byteOffset: Int, line: Int)
    case invalidRate(Double)
    case invalidTargetTokens(Int)
    case invalidKeepPattern(pattern: String, reason: String)
    case invalidTuning(field: String, expected: String)
    case model(String)

    public var errorDescription: String? {
        switch self {
        case .emptyInput(let source):
            return "\(source): the input is empty (nothing to compress)"
        case let .binaryInput(source, offset):
            return "\(source): binary data at byte \(offset) (expected UTF-8 text)"
        case let .invalidUTF8(source, offset, line):
            return "\(source):\(line): invalid UTF-8 at byte \(offset) (expected UTF-8 text)"
        case .invalidRate(let rate):
            return "rate: expected a number in (0, 1], got \(rate)"
        case .invalidTargetTokens(let n):
            return "target tokens: expected a positive whole number, got \(n)"
        case let .invalidKeepPattern(pattern, reason):
            return "keep \(pattern.debugDescription): \(reason)"
        case let .invalidTuning(field, expected):
            return "tuning \(field): expected \(expected)"
        case .model(let message):
            return "compression model: \(message)"
        }
    }
}
