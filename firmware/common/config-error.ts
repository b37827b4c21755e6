// A configuration value that is refused: a device setting from the build (platform/device-settings.ts) or a
// remote update (telemetry/config.ts), naming the field to blame.
import { CodedError } from "../mqtt/common/coded-error.js";

export type ConfigErrorCode =
  | "invalid-utf8"
  | "invalid-json"
  | "not-an-object"
  | "unknown-field"
  | "wrong-type"
  | "out-of-range"
  | "inconsistent"
  | "too-large";

export class ConfigError extends CodedError<ConfigErrorCode> {
  override readonly name: string = "ConfigError";
  /** Dotted path of the offending field (e.g. "thresholds.hrHigh"), when one is to blame. */
  readonly field?: string;
  constructor(code: ConfigErrorCode, message: string, field?: string) {
    super(code, message);
    this.field = field;
  }
}

