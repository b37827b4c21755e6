// The message format between the XS script and the Node host, used on both sides of the bridge: JSON
// for structure, raw bytes for binary values (socket data, certificates, I2C transfers), so bytes never
// go through base64 or number arrays.
//   frame = u32 jsonLength | JSON | (u32 length | bytes)*     (big-endian lengths)
// In the JSON a binary value is {"\u0000b": index}; it decodes as an ArrayBuffer (what the ports return).

export interface Utf8 {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

const BLOB = "\u0000b";

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

export function encodeMessage(value: unknown, utf8: Utf8): Uint8Array {
  const blobs: Uint8Array[] = [];
  // A walk of our own rather than a JSON.stringify replacer: XS 13 (xsnap) calls a replacer with `this`
  // undefined after a property whose value is undefined, so the replacer cannot see the original value.
  const lower = (item: unknown): unknown => {
    const bytes = asBytes(item); // before toJSON: a Node Buffer has one
    if (bytes) {
      blobs.push(bytes);
      return { [BLOB]: blobs.length - 1 };
    }
    if (Array.isArray(item)) return item.map(lower);
    if (item === null || typeof item !== "object") return item;
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(item)) out[key] = lower(field);
    return out;
  };
  const json = JSON.stringify(lower(value) ?? null);
  const text = utf8.encode(json);
  let size = 4 + text.length;
  for (const blob of blobs) size += 4 + blob.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, text.length);
  out.set(text, 4);
  let at = 4 + text.length;
  for (const blob of blobs) {
    view.setUint32(at, blob.length);
    out.set(blob, at + 4);
    at += 4 + blob.length;
  }
  return out;
}

/** A message behind the one-byte `prefix` that says what kind of frame follows (port-frame.ts). */
export function encodePrefixedMessage(prefix: number, value: unknown, utf8: Utf8): Uint8Array {
  const body = encodeMessage(value, utf8);
  const out = new Uint8Array(body.length + 1);
  out[0] = prefix;
  out.set(body, 1);
  return out;
}

export function decodeMessage(frame: Uint8Array, utf8: Utf8): unknown {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const textLength = view.getUint32(0);
  const text = utf8.decode(frame.subarray(4, 4 + textLength));
  const blobs: ArrayBuffer[] = [];
  let at = 4 + textLength;
  while (at < frame.length) {
    const length = view.getUint32(at);
    blobs.push(frame.slice(at + 4, at + 4 + length).buffer);
    at += 4 + length;
  }
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === "object" && BLOB in value) return blobs[(value as Record<string, number>)[BLOB]];
    return value;
  });
}

/** An error as it crosses the bridge: its class name, message and the typed fields (code, section, ...). */
export interface WireError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
  stack?: string;
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
  }
  return { name: error.name, message: error.message, fields, stack: error.stack };
}

/**
 * Rebuild an error on this side of the bridge. `prototypes` maps class names to their prototypes, so
 * `instanceof TlsError` still holds; other names become a plain Error carrying the same name and fields.
 */
export function reviveError(wire: WireError, prototypes: Record<string, object> = {}): Error {
  const error = new Error(wire.message);
  const prototype = prototypes[wire.name];
  if (prototype) Object.setPrototypeOf(error, prototype);
  Object.assign(error, wire.fields);
  error.name = wire.name;
  // XS's Error.prototype.stack is an accessor without a setter: define an own property instead.
  if (wire.stack) Object.defineProperty(error, "stack", { value: wire.stack, writable: true, configurable: true });
  return error;
}
