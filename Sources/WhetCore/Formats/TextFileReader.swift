import Foundation

/// Reads user files with the checks every format needs first: existence, a size
/// limit (so a stray 100 MB file is an error, not a stall) and valid UTF-8 with
/// the line of the first bad byte.
public enum TextFileReader {
    /// Task, prompt and judge files are small; data files may be larger.
    public static let definitionLimit = 4 << 20
    public static let dataLimit = 64 << 20

    public static func read(_ url: URL, limit: Int, field: String = "") throws -> String {
        let path = url.path
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw FileFormatError(.notFound, file: path, line: nil, field: field,
                                  expected: "file does not exist")
        }
        guard !isDir.boolValue else {
            throw FileFormatError(.notFound, file: path, line: nil, field: field,
                                  expected: "expected a file, found a directory")
        }
        let size = (try? fm.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limit else {
            throw FileFormatError(.tooLarge, file: path, line: nil, field: field,
                                  expected: "file is \(formatBytes(size)); the limit is \(formatBytes(limit))")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileFormatError(.io, file: path, line: nil, field: field,
                                  expected: "cannot be read: \(error.localizedDescription)")
        }
        return try decodeUTF8(data, file: path, field: field)
    }

    public static func decodeUTF8(_ data: Data, file: String, field: String = "") throws -> String {
        if let text = String(data: data, encoding: .utf8) {
            return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        }
        let (line, offset) = firstInvalidUTF8(data)
        throw FileFormatError(.invalidUTF8, file: file, line: line, field: field,
                              expected: "invalid UTF-8 at byte \(offset); expected UTF-8 text")
    }

    /// Line (1-based) and byte offset of the first byte that breaks UTF-8.
    static func firstInvalidUTF8(_ data: Data) -> (Int, Int) {
        let bytes = [UInt8](data)
        var line = 1
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let need: Int
            switch b {
            case 0x00...0x7F: need = 0
            case 0xC2...0xDF: need = 1
            case 0xE0...0xEF: need = 2
            case 0xF0...0xF4: need = 3
            default: return (line, i)
            }
            if i + need >= bytes.count && need > 0 { return (line, i) }
            for k in 1...max(need, 1) where need > 0 {
                if bytes[i + k] & 0xC0 != 0x80 { return (line, i) }
            }
            if b == 0x0A { line += 1 }
            i += need + 1
        }
        return (line, bytes.count)
    }

    static func formatBytes(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KB", Double(n) / Double(1 << 10)) }
        return "\(n) bytes"
    }
}
