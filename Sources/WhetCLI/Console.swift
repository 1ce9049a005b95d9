import Foundation

/// Where commands write: the process's stdout and stderr, or buffers when a test runs a command in
/// process (`WhetMain.run(_:console:)`). A task-local, so concurrent tests do not mix their output.
public final class Console: @unchecked Sendable {
    @TaskLocal public static var current = Console()

    private let lock = NSLock()
    private let capture: Bool
    private var outBuffer = ""
    private var errBuffer = ""

    /// `capture`: keep the output in memory (tests) instead of writing it.
    public init(capture: Bool = false) { self.capture = capture }

    public var standardOutput: String { lock.withLock { outBuffer } }
    public var standardError: String { lock.withLock { errBuffer } }
    /// Whether stderr is a terminal a progress bar may be drawn on.
    public var errorIsTerminal: Bool { !capture && isatty(STDERR_FILENO) == 1 }

    public func out(_ text: String) {
        if capture { lock.withLock { outBuffer += text } } else { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    public func err(_ text: String) {
        if capture { lock.withLock { errBuffer += text } } else { FileHandle.standardError.write(Data(text.utf8)) }
    }
}

/// Commands print through the current console, so tests can run them in process.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Console.current.out(items.map { "\($0)" }.joined(separator: separator) + terminator)
}

func printError(_ text: String) {
    Console.current.err(text.hasSuffix("\n") ? text : text + "\n")
}
