// The firmware's errors are values a caller can act on: each has a `code` to switch on (and a name to show).
// Every error class of the firmware extends this one.
//
// `name` is a class field in each subclass, never `this.name = ...`: on the Moddable runtime Error.prototype
// is frozen (in ROM), and assigning over a frozen inherited property throws in strict code; a class field
// defines an own property instead (test/device/frozen-intrinsics.test.ts).
export class CodedError<Code extends string = string> extends Error {
  override readonly name: string = "CodedError";
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
