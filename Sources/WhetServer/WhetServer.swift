// `whet serve`: the local model behind an OpenAI-compatible API (issue 5).
public enum WhetServer {}
