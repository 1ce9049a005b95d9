import Foundation

/// A parsed GGUF file (v2 or v3): metadata, tensor table and the memory-mapped data.
/// Parsing validates everything a later read relies on (counts against the bytes
/// left, types, shapes, alignment, bounds and overlaps), so tensor access needs no
/// further checks. Immutable, hence Sendable.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    public let tensors: [String: GGUFTensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    public let alignment: Int
    /// Byte offset of the data section within the file.
    public let dataOffset: Int
    private let storage: GGUFStorage
    /// The file's size in bytes.
    public var byteCount: Int { storage.bytes.count }

    /// Sanity ceiling for any count: far above real models, far below what a
    /// corrupt u64 could request.
    static let maxDimensions = 4

    public convenience init(url: URL) throws {
        try self.init(storage: GGUFStorage(path: url.path), path: url.path)
    }

    /// Parses an in-memory buffer (the bytes are copied), e.g. for fuzzing.
    public convenience init(data: Data, name: String = "<memory>") throws {
        try self.init(storage: GGUFStorage(data: data), path: name)
    }

    private init(storage: GGUFStorage, path: String) throws {
        self.storage = storage
        self.path = path
        var cursor = GGUFByteCursor(bytes: storage.bytes, file: path)

        let magic = try cursor.readBytes(min(4, cursor.remaining), "magic")
        guard Array(magic) == Array("GGUF".utf8) else {
            throw GGUFError.badMagic(file: path, found: Array(magic))
        }
        version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw GGUFError.unsupportedVersion(file: path, version: version)
        }
        let tensorCount = try cursor.read(UInt64.self, "tensor count")
        let kvCount = try cursor.read(UInt64.self, "metadata count")
        // A KV pair needs at least 8 (key length) + 4 (type) + 1 bytes; a tensor info
        // at least 8 + 4 + 4 + 8. Checking before allocating avoids huge reservations.
        let kvLimit = UInt64(cursor.remaining / 13)
        guard kvCount <= kvLimit else {
            throw GGUFError.absurdCount(file: path, what: "metadata", count: kvCount, limit: kvLimit)
        }
        var metadata: [String: GGUFValue] = [:]
        metadata.reserveCapacity(Int(kvCount))
        for index in 0..<Int(kvCount) {
            let key = try cursor.readString("metadata key #\(index)")
            let rawType = try cursor.read(UInt32.self, "type of \"\(key)\"")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(file: path, key: key, type: rawType)
            }
            let value = try Self.readValue(type, key: key, cursor: &cursor, file: path)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw GGUFError.duplicateKey(file: path, key: key)
            }
        }
        self.metadata = metadata

        let alignment = metadata["general.alignment"]?.intValue ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw GGUFError.badAlignment(file: path, alignment: alignment)
        }
        self.alignment = alignment

        let tensorLimit = UInt64(cursor.remaining / 24)
        guard tensorCount <= tensorLimit else {
            throw GGUFError.absurdCount(file: path, what: "tensor", count: tensorCount, limit: tensorLimit)
        }
        var raw: [(name: String, dims: [Int], type: GGMLType, offset: UInt64, bytes: Int)] = []
        raw.reserveCapacity(Int(tensorCount))
        for index in 0..<Int(tensorCount) {
            raw.append(try Self.readTensorInfo(index: index, cursor: &cursor, file: path))
        }

        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        let dataSize = max(storage.bytes.count - dataStart, 0)
        dataOffset = dataStart

        var tensors: [String: GGUFTensorInfo] = [:]
        for t in raw {
            guard t.offset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensor(file: path, tensor: t.name, offset: t.offset, alignment: alignment)
            }
            let (end, overflow) = t.offset.addingReportingOverflow(UInt64(t.bytes))
            guard !overflow, end <= UInt64(dataSize) else {
                throw GGUFError.tensorOutOfBounds(file: path, tensor: t.name, end: overflow ? .max : end,
                                                  dataSize: dataSize)
            }
            let info = GGUFTensorInfo(name: t.name, dimensions: t.dims, type: t.type,
                                      offset: Int(t.offset), byteCount: t.bytes)
            guard tensors.updateValue(info, forKey: t.name) == nil else {
                throw GGUFError.duplicateTensor(file: path, name: t.name)
            }
        }
        let sorted = tensors.values.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError.overlappingTensors(file: path, first: a.name, second: b.name)
        }
        self.tensors = tensors
        tensorNames = raw.map(\.name)
    }

    private static func readValue(_ type: GGUFValueType, key: String, cursor: inout GGUFByteCursor,
                                  file: String) throws -> GGUFValue {
        let what = "value of \"\(key)\""
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what))
        case .int8: return .int8(try cursor.read(Int8.self, what))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what))
        case .int16: return .int16(try cursor.read(Int16.self, what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what))
        case .int32: return .int32(try cursor.read(Int32.self, what))
        case .float32: return .float32(Float(bitPattern: try cursor.read(UInt32.self, what)))
        case .bool: return .bool(try cursor.read(UInt8.self, what) != 0)
        case .string: return .string(try cursor.readString(what))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what))
        case .int64: return .int64(try cursor.read(Int64.self, what))
        case .float64: return .float64(Double(bitPattern: try cursor.read(UInt64.self, what)))
        case .array:
            let rawElement = try cursor.read(UInt32.self, "element type of \"\(key)\"")
            guard let element = GGUFValueType(rawValue: rawElement) else {
                throw GGUFError.unknownValueType(file: file, key: key, type: rawElement)
            }
            guard element != .array else { throw GGUFError.nestedArray(file: file, key: key) }
            let count = try cursor.read(UInt64.self, "length of \"\(key)\"")
            let minSize = element.fixedSize ?? 8
            let limit = UInt64(cursor.remaining / minSize)
            guard count <= limit else {
                throw GGUFError.absurdCount(file: file, what: "array \"\(key)\"", count: count, limit: limit)
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(element, key: key, cursor: &cursor, file: file))
            }
            return .array(element, values)
        }
    }

    private static func readTensorInfo(index: Int, cursor: inout GGUFByteCursor, file: String) throws
        -> (name: String, dims: [Int], type: GGMLType, offset: UInt64, bytes: Int) {
        let name = try cursor.readString("name of tensor #\(index)")
        let nDims = try cursor.read(UInt32.self, "dimension count of \"\(name)\"")
        guard nDims >= 1, nDims <= UInt32(maxDimensions) else {
            throw GGUFError.badTensorShape(file: file, tensor: name,
                                           detail: "\(nDims) dimensions (expected 1...\(maxDimensions))")
        }
        var dims: [Int] = []
        var elements: Int64 = 1
        for d in 0..<Int(nDims) {
            let n = try cursor.read(Int64.self, "dimension \(d) of \"\(name)\"")
            guard n >= 0 else {
                throw GGUFError.badTensorShape(file: file, tensor: name, detail: "dimension \(d) is \(n)")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow, product <= Int64(Int32.max) * 64 else {
                throw GGUFError.badTensorShape(file: file, tensor: name, detail: "element count overflows")
            }
            elements = product
            dims.append(Int(n))
        }
        let rawType = try cursor.read(UInt32.self, "type of \"\(name)\"")
        guard let type = GGMLType(rawValue: rawType) else {
            throw GGUFError.unknownTensorType(file: file, tensor: name, type: rawType)
        }
        guard dims[0] % type.blockSize == 0 else {
            throw GGUFError.badTensorShape(file: file, tensor: name,
                detail: "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
        }
        let offset = try cursor.read(UInt64.self, "offset of \"\(name)\"")
        let bytes = Int(elements) / type.blockSize * type.typeSize
        return (name, dims, type, offset, bytes)
    }

    // MARK: - Typed metadata access

    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    public func float(_ key: String) -> Float? { metadata[key]?.floatValue }
    public func bool(_ key: String) -> Bool? {
        if case .bool(let b)? = metadata[key] { return b }
        return nil
    }
    public func stringArray(_ key: String) -> [String]? {
        guard let values = metadata[key]?.arrayValue else { return nil }
        var out: [String] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let s = v.stringValue else { return nil }
            out.append(s)
        }
        return out
    }
    public func intArray(_ key: String) -> [Int]? {
        guard let values = metadata[key]?.arrayValue else { return nil }
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let i = v.intValue else { return nil }
            out.append(i)
        }
        return out
    }
    public func floatArray(_ key: String) -> [Float]? {
        guard let values = metadata[key]?.arrayValue else { return nil }
        var out: [Float] = []
        for v in values {
            guard let f = v.floatValue else { return nil }
            out.append(f)
        }
        return out
    }

    // MARK: - Tensor data

    /// The raw (possibly quantised) bytes of a tensor, valid while this file lives.
    public func tensorBytes(_ name: String) -> UnsafeRawBufferPointer? {
        guard let info = tensors[name] else { return nil }
        return tensorBytes(info)
    }

    public func tensorBytes(_ info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        guard info.byteCount > 0, let base = storage.bytes.baseAddress else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + dataOffset + info.offset, count: info.byteCount)
    }
}
