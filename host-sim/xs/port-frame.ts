// The compact binary form of a port call, so forwarding a socket write, an I2C transfer or a clock read
// costs XS a few operations instead of a JSON round (the meters should count the firmware, not framing).
// Used by both halves of the bridge; pure.
//   request: [PORT_CALL][port][op][id u32][arg f64][name length u16][name UTF-8][bytes...]
//   answer:  [0] undefined | [1][f64] number | [2][bytes...] ArrayBuffer | [3][message frame] error
// A storage read puts its position in id and its count in arg (-1: to the end of the file).
// Every other request is a JSON message frame (bridge-format.ts) behind [MESSAGE].
// The host's events with one number (socket readable/writable counts, a timer firing) come the same way:
//   event:   [EVENT][target u32][event code][arg f64]           (others: [MESSAGE][message frame])

export const MESSAGE = 0;
export const PORT_CALL = 1;

export const PORTS = ["socket", "clock", "storage", "i2c"] as const;
export type PortName = (typeof PORTS)[number];

/** Operation names per port, by code. `open` (socket, I2C) carries options and goes as a JSON message. */
export const OPS: { readonly [P in PortName]: readonly string[] } = {
  socket: ["open", "read", "write", "close"],
  clock: ["ticks", "wallTime", "set", "clear", "setWallTime"],
  storage: ["read", "append", "write", "delete", "size"],
  i2c: ["open", "read", "write", "close"],
};

export const EVENT = 2;
/** Event names by code, for the binary event form. */
export const EVENTS = ["readable", "writable", "fire"] as const;

export function encodeEvent(target: number, code: number, arg: number): Uint8Array {
  const out = new Uint8Array(14);
  const view = new DataView(out.buffer);
  out[0] = EVENT;
  view.setUint32(1, target);
  out[5] = code;
  view.setFloat64(6, arg);
  return out;
}

export const ANSWER_UNDEFINED = 0;
export const ANSWER_NUMBER = 1;
export const ANSWER_BYTES = 2;
export const ANSWER_ERROR = 3;

const HEADER = 17;

export function encodePortCall(port: number, op: number, id: number, arg: number, name: Uint8Array | undefined, bytes: Uint8Array | undefined): Uint8Array {
  const nameLength = name ? name.length : 0;
  const out = new Uint8Array(HEADER + nameLength + (bytes ? bytes.length : 0));
  const view = new DataView(out.buffer);
  out[0] = PORT_CALL;
  out[1] = port;
  out[2] = op;
  view.setUint32(3, id);
  view.setFloat64(7, arg);
  view.setUint16(15, nameLength);
  if (name) out.set(name, HEADER);
  if (bytes) out.set(bytes, HEADER + nameLength);
  return out;
}

export interface PortCall {
  port: PortName;
  op: string;
  id: number;
  arg: number;
  name: Uint8Array;
  bytes: Uint8Array;
}

export function decodePortCall(frame: Uint8Array): PortCall {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const port = PORTS[frame[1]];
  const op = port && OPS[port][frame[2]];
  if (!op) throw new Error(`unknown port call ${frame[1]}/${frame[2]}`);
  const nameLength = view.getUint16(15);
  return {
    port,
    op,
    id: view.getUint32(3),
    arg: view.getFloat64(7),
    name: frame.subarray(HEADER, HEADER + nameLength),
    bytes: frame.subarray(HEADER + nameLength),
  };
}
