// Models behind one protocol (issue 5).
public enum WhetProviders {}
