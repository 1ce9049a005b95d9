import Foundation
import WhetCore
import WhetStore

/// The bearer token every route but `/health` requires. Given with `--token` or `$WHET_TOKEN`, else read
/// from the file beside the database (`<db>.token`, mode 0600), else generated there at first start.
public struct AccessToken: Sendable, Equatable {
    public let value: String
    private let digest: [UInt8]

    public init(_ value: String) throws {
        guard value.count >= Self.minimumLength else { throw AccessTokenError.tooShort(Self.minimumLength) }
        guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw AccessTokenError.badCharacters
        }
        self.value = value
        digest = SHA256.digest(Array(value.utf8))
    }

    public static let minimumLength = 16

    /// Compares in time independent of where the strings differ (and of their lengths): the digests
    /// of both are compared byte by byte without an early exit.
    public func matches(_ candidate: Substring) -> Bool {
        let other = SHA256.digest(Array(candidate.utf8))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, other) { difference |= a ^ b }
        return difference == 0
    }

    public static func == (a: AccessToken, b: AccessToken) -> Bool { a.value == b.value }

    /// Where the token came from, for the start-up message.
    public enum Source: Sendable, Equatable {
        case option, environment
        case file(String)
        /// Made now and written to this file: the one time the server prints the token.
        case generated(String)
    }

    public static func filePath(forDatabase database: String) -> String { database + ".token" }

    /// The token to use: `explicit` (`--token`), else `environment` (`$WHET_TOKEN`), else the database's
    /// token file, made with a fresh random token when missing.
    public static func resolve(explicit: String?, environment: String?, database: String) throws -> (AccessToken, Source) {
        if let explicit { return (try AccessToken(explicit), .option) }
        if let environment, !environment.isEmpty { return (try AccessToken(environment), .environment) }
        let path = filePath(forDatabase: database)
        if FileManager.default.fileExists(atPath: path) { return (try read(path), .file(path)) }
        return (try generate(at: path), .generated(path))
    }

    static func read(_ path: String) throws -> AccessToken {
        var info = stat()
        guard stat(path, &info) == 0 else { throw AccessTokenError.unreadable(path, String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else {
            throw AccessTokenError.tooOpen(path, String(info.st_mode & 0o777, radix: 8))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AccessTokenError.unreadable(path, "not UTF-8 text")
        }
        do {
            return try AccessToken(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as AccessTokenError {
            throw AccessTokenError.invalidFile(path, error.errorDescription ?? "")
        }
    }

    /// 32 random bytes (the system generator: getrandom) as hex, written to a new file only its owner reads.
    static func generate(at path: String) throws -> AccessToken {
        var generator = SystemRandomNumberGenerator()
        let value = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AccessTokenError.unwritable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        let line = value + "\n"
        let written = line.withCString { write(fd, $0, strlen($0)) }
        guard written == line.utf8.count else { throw AccessTokenError.unwritable(path, String(cString: strerror(errno))) }
        return try AccessToken(value)
    }
}

public enum AccessTokenError: UserFacingError, Equatable {
    case tooShort(Int)
    case badCharacters
    case tooOpen(String, String)
    case unreadable(String, String)
    case unwritable(String, String)
    case invalidFile(String, String)

    public var errorDescription: String? {
        switch self {
        case .tooShort(let n): return "--token / WHET_TOKEN: expected at least \(n) characters"
        case .badCharacters: return "--token / WHET_TOKEN: expected printable ASCII without spaces"
        case .tooOpen(let path, let mode):
            return "\(path): the token file has mode \(mode) and others can read it; expected 600 (chmod 600 \(path))"
        case .unreadable(let path, let reason): return "\(path): cannot read the token file: \(reason)"
        case .unwritable(let path, let reason): return "\(path): cannot write the token file: \(reason)"
        case .invalidFile(let path, let reason): return "\(path): \(reason)"
        }
    }
}
