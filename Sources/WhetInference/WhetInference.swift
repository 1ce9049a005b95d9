// In-process GGUF inference (issue 3).
public enum WhetInference {}
