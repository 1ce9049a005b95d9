import ArgumentParser
import Foundation

public struct WhetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "whet",
        abstract: "Optimize, compare and compress LLM prompts, on your CPU or any OpenAI-compatible endpoint.",
        version: WhetVersion.string,
        subcommands: [
            OptimizeCommand.self,
            EvalCommand.self,
            CompressCommand.self,
            ServeCommand.self,
            RunsCommand.self,
            LineageCommand.self,
            CompareCommand.self,
            JudgeCommand.self,
            ExportCommand.self,
            ValidateCommand.self,
            DebugCommand.self,
            LMCommand.self,
            EmbedCommand.self,
        ]
    )

    public init() {}
}

public enum WhetVersion {
    public static let string = "0.1.0"
}
