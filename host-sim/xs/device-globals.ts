// Globals xsnap-worker defines that the device's XS (Moddable SDK on ESP32) does not have. The XS
// prelude removes them before any firmware code runs, so firmware that uses one fails here as it would
// on the board. The bridge itself keeps private references to the few it needs (issueCommand, print,
// gc, TextEncoder/TextDecoder for its own message framing). xsnap's own trace() goes nowhere (built with
// mxNoConsole), so the wrapper redefines trace, the device's logging global, to print one line.
export const NON_DEVICE_GLOBALS = [
  "issueCommand", // the xsnap host channel
  "print", // xsnap's console; the device has trace()
  "gc", // xsnap's explicit collection (the device has Debug.gc only in debug builds)
  "setImmediate", // xsnap's only timer; the device's timers come from the "timer" module
  "performance", // xsnap's wall-clock performance.now(); the device has Time.ticks
  "currentMeterLimit", // xsnap metering
  "resetMeter", // xsnap metering
  "TextEncoder", // on the device these are modules ("text/encoder"), not globals
  "TextDecoder",
  "Base64", // xsnap only
  "harden", // xsnap's SES shim point; firmware must not depend on it
] as const;

/** Parameter name through which the bridge runtime reaches the globals it captured (not a global). */
export const CAPTURED_GLOBALS = "__xsBridgeHost";

/**
 * Wraps a bundle: the argument expression captures what the bridge needs and deletes every non-device
 * global before the bundle's first module runs; the captured values reach the runtime as a parameter. The body is strict code, as the
 * device runs firmware modules.
 */
export function wrapBundle(code: string): string {
  const names = JSON.stringify(NON_DEVICE_GLOBALS);
  return (
    `(function (${CAPTURED_GLOBALS}) {\n"use strict";\n${code}\n})((function (g) {\n` +
    `  var kept = { issueCommand: g.issueCommand, print: g.print, gc: g.gc, TextEncoder: g.TextEncoder, TextDecoder: g.TextDecoder };\n` +
    `  ${names}.forEach(function (name) { if (!delete g[name]) throw new Error("cannot delete global " + name); });\n` +
    `  g.trace = function () { var text = Array.prototype.join.call(arguments, ""); kept.print(text.charAt(text.length - 1) === "\\n" ? text.slice(0, -1) : text); };\n` +
    `  return kept;\n` +
    `})(globalThis));\n`
  );
}
