// Sentence embeddings (issue 4).
public enum WhetEmbeddings {}
