// Small text checks the firmware makes at run time, by hand rather than with regular expressions: XS's
// RegExp.prototype.exec was seen to crash (a segfault in fx_RegExp_prototype_exec) when a match's capture
// strings were allocated in a fragmented chunk heap that cannot grow (the esp32 creation, emulated in the
// simulator), and these are on paths taken all day (every connection, every batch).

const ZERO = 48;
const NINE = 57;

/** Whether `text` is a dotted-quad IPv4 address (four decimal parts of 1-3 digits, each at most 255). */
export function isIPv4(text: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a final "." closes the last part
    if (c >= ZERO && c <= NINE) {
      if (++digits > 3) return false;
      value = value * 10 + (c - ZERO);
    } else if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = value = 0;
    } else return false;
  }
  return parts === 4;
}

/** The decimal integer starting at `from` in `text` (an optional "-" then digits), or NaN when there is none;
 *  `end` (when given) receives the index after it. */
export function integerAt(text: string, from: number, end?: { at: number }): number {
  let i = from;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  const start = i;
  let value = 0;
  while (i < text.length && text.charCodeAt(i) >= ZERO && text.charCodeAt(i) <= NINE) value = value * 10 + (text.charCodeAt(i++) - ZERO);
  if (i === start) return Number.NaN;
  if (end) end.at = i;
  return negative ? -value : value;
}

/** Whether every character of `text` from `from` is one of A-Z a-z 0-9 or of `extra`. */
export function onlyAlphanumericOr(text: string, extra: string, from = 0): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const alphanumeric = (c >= ZERO && c <= NINE) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alphanumeric && extra.indexOf(text[i]) < 0) return false;
  }
  return true;
}
