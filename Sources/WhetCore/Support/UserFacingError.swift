import Foundation

/// An error whose message says what to fix (a file, field or option and what was expected). The command
/// line prints it as `error: ...` and exits with code 2; anything else is exit 1.
public protocol UserFacingError: LocalizedError {}

extension FileFormatError: UserFacingError {}
extension TemplateError: UserFacingError {}
extension ModelSpecError: UserFacingError {}
extension ModelLocatorError: UserFacingError {}
extension FileFormatErrors: UserFacingError {}
