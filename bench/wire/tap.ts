// Where the plaintext bytes of a wire-bench connection go, by MQTT packet: the clients' side of TLS, so
// the bench can tell payload from MQTT headers, acks and keepalive (the relay in front of the broker sees
// only TLS records). Our client is tapped through its Socket port, MQTT.js through its TLS stream.
import type { Duplex } from "node:stream";
import type { BufferLike, Socket, SocketConstructor, SocketOptions } from "../../firmware/platform/ports.js";

/** Plaintext MQTT bytes of a run, both directions, by role. */
export interface MqttBytes {
  /** PUBLISH payloads that are not retained (telemetry: SenML packs or the naive documents). */
  payload: number;
  /** Their fixed and variable headers (topic or alias, packet id, properties). */
  publishHeader: number;
  /** PUBACK (and any other acknowledgement of a publish). */
  acks: number;
  /** PINGREQ, PINGRESP. */
  keepalive: number;
  /** Everything else: CONNECT/CONNACK, SUBSCRIBE/SUBACK, the retained status, DISCONNECT. */
  session: number;
}

export function emptyMqttBytes(): MqttBytes {
  return { payload: 0, publishHeader: 0, acks: 0, keepalive: 0, session: 0 };
}

export function mqttTotal(b: MqttBytes): number {
  return b.payload + b.publishHeader + b.acks + b.keepalive + b.session;
}

const PUBLISH = 3;
const ACKS = new Set([4, 5, 6, 7]); // PUBACK, PUBREC, PUBREL, PUBCOMP
const PINGS = new Set([12, 13]);

/** Splits one direction's byte stream into MQTT packets (section 2.1: fixed header, Remaining Length). */
class PacketSplitter {
  #buffer = new Uint8Array(0);
  constructor(
    private readonly version: 4 | 5,
    private readonly into: MqttBytes,
    private readonly onPacket?: (packet: Uint8Array) => void,
  ) {}

  push(bytes: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    let at = 0;
    for (;;) {
      const header = remainingLength(joined, at + 1);
      if (header === undefined || at + 1 + header.size + header.value > joined.length) break;
      const end = at + 1 + header.size + header.value;
      this.#count(joined.subarray(at, end), 1 + header.size);
      at = end;
    }
    this.#buffer = joined.slice(at);
  }

  #count(packet: Uint8Array, fixed: number): void {
    this.onPacket?.(packet);
    const type = packet[0] >> 4;
    if (ACKS.has(type)) this.into.acks += packet.length;
    else if (PINGS.has(type)) this.into.keepalive += packet.length;
    else if (type === PUBLISH && (packet[0] & 1) === 0) {
      // Topic, packet id (QoS > 0), properties (MQTT 5): the rest is the payload.
      let at = fixed + 2 + ((packet[fixed] << 8) | packet[fixed + 1]);
      if ((packet[0] & 0x06) !== 0) at += 2;
      if (this.version === 5) {
        const properties = remainingLength(packet, at)!;
        at += properties.size + properties.value;
      }
      this.into.publishHeader += at;
      this.into.payload += packet.length - at;
    } else this.into.session += packet.length;
  }
}

/** A variable byte integer at `at` (section 1.5.5), or undefined when not all of it is there yet. */
function remainingLength(bytes: Uint8Array, at: number): { value: number; size: number } | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (at + i >= bytes.length) return undefined;
    value += (bytes[at + i] & 0x7f) * 128 ** i;
    if ((bytes[at + i] & 0x80) === 0) return { value, size: i + 1 };
  }
  throw new Error("wire tap: malformed Remaining Length");
}

export interface MqttTap {
  readonly bytes: MqttBytes;
  up(bytes: Uint8Array): void;
  down(bytes: Uint8Array): void;
}

/** A tap for one connection speaking MQTT `version`; `onUp` sees each whole packet the client sent. */
export function mqttTap(version: 4 | 5, onUp?: (packet: Uint8Array) => void): MqttTap {
  const bytes = emptyMqttBytes();
  const up = new PacketSplitter(version, bytes, onUp);
  const down = new PacketSplitter(version, bytes);
  return { bytes, up: (b) => up.push(b), down: (b) => down.push(b) };
}

function view(bytes: BufferLike): Uint8Array {
  return ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
}

/** Our Socket port with every plaintext byte shown to `tap` (what the client writes and reads). */
export function tappedSocketClass(Inner: SocketConstructor, tap: MqttTap): SocketConstructor {
  return class implements Socket {
    readonly #inner: Socket;
    constructor(options: SocketOptions) {
      this.#inner = new Inner(options);
    }
    read(): ArrayBuffer | undefined {
      const data = this.#inner.read();
      if (data) tap.down(new Uint8Array(data));
      return data;
    }
    write(bytes: BufferLike): number {
      tap.up(view(bytes));
      return this.#inner.write(bytes);
    }
    close(): void {
      this.#inner.close();
    }
  };
}

/** MQTT.js's TLS stream with its plaintext shown to `tap`. */
export function tapStream<T extends Duplex>(stream: T, tap: MqttTap): T {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    tap.up(typeof chunk === "string" ? new TextEncoder().encode(chunk) : view(chunk as Uint8Array));
    return write(chunk, ...rest);
  }) as T["write"];
  stream.on("data", (data: Uint8Array) => tap.down(data));
  return stream;
}
