// The decoder fuzzer shared by test/mqtt/fuzz.test.ts (bounded, seeded) and bench/fuzz.ts (`npm run fuzz`).
//
// Inputs: random bytes, valid encodings of random packets with a few mutations (bit flips, random bytes,
// inserted / deleted / duplicated bytes, truncation, oversized lengths), and runs of several packets; fed to
// a PacketDecoder (3.1.1, 5.0, or server side learning the version from a leading CONNECT) in random
// chunks, under a random maximumPacketSize.
// What may come out: packets, each of which re-encodes and decodes to itself, or a ProtocolError with a
// known code and a section number. Anything else (another exception, a packet that does not round-trip) is
// a failure.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { PacketDecoder, decodePacket } from "../firmware/mqtt/codec/decode.js";
import { encode } from "../firmware/mqtt/codec/encode.js";
import { ProtocolError } from "../firmware/mqtt/codec/protocol-error.js";
import type { Packet, ProtocolVersion } from "../firmware/mqtt/codec/packets.js";
import { packetArbitrary } from "../test/mqtt/arbitraries.js";
import { concat, pushInChunks } from "../test/mqtt/chunks.js";

export interface FuzzFailure {
  input: string; // hex
  protocolVersion: ProtocolVersion | "server";
  cuts: number[];
  problem: string;
}

export interface FuzzReport {
  inputs: number;
  bytes: number;
  packets: number;
  typedErrors: number;
  errorCodes: Record<string, number>;
  failures: FuzzFailure[];
}

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CODES = new Set(["malformed-packet", "protocol-error", "packet-too-large"]);
const SECTION = /^\d+(\.\d+)*$/;

export class Fuzzer {
  private readonly random: () => number;
  private readonly corpus: Record<ProtocolVersion, Uint8Array[]>;
  private readonly connects: Record<ProtocolVersion, Uint8Array[]>;
  readonly report: FuzzReport = { inputs: 0, bytes: 0, packets: 0, typedErrors: 0, errorCodes: {}, failures: [] };

  constructor(seed: number) {
    this.random = prng(seed);
    const sample = (v: ProtocolVersion): Packet[] => fc.sample(packetArbitrary(v), { numRuns: 400, seed: seed + v });
    this.corpus = { 4: sample(4).map((p) => encode(p, 4)), 5: sample(5).map((p) => encode(p, 5)) };
    this.connects = {
      4: sample(4).filter((p) => p.type === "connect").map((p) => encode(p, 4)),
      5: sample(5).filter((p) => p.type === "connect").map((p) => encode(p, 5)),
    };
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(list: T[]): T {
    return list[this.int(list.length)];
  }

  private randomBytes(): Uint8Array {
    const out = new Uint8Array(this.int(48));
    for (let i = 0; i < out.length; i++) out[i] = this.int(256);
    // Mostly plausible first bytes, so inputs get past the fixed header.
    if (out.length > 0 && this.random() < 0.7) out[0] = (1 + this.int(15)) << 4 | (this.random() < 0.8 ? 0 : this.int(16));
    if (out.length > 1 && this.random() < 0.7) out[1] = out.length - 2;
    return out;
  }

  private mutate(input: Uint8Array): Uint8Array {
    let bytes = Array.from(input);
    const count = 1 + this.int(4);
    for (let m = 0; m < count; m++) {
      const at = this.int(bytes.length + 1);
      switch (this.int(7)) {
        case 0:
          if (bytes.length > 0) bytes[at % bytes.length] ^= 1 << this.int(8);
          break;
        case 1:
          if (bytes.length > 0) bytes[at % bytes.length] = this.int(256);
          break;
        case 2:
          bytes.splice(at, 0, this.int(256));
          break;
        case 3:
          bytes.splice(at, 1 + this.int(3));
          break;
        case 4:
          bytes = bytes.slice(0, at);
          break;
        case 5:
          bytes.splice(at, 0, ...bytes.slice(this.int(bytes.length + 1), this.int(bytes.length + 1)));
          break;
        default:
          // An oversized or overlong Remaining Length.
          bytes.splice(1, 0, ...[0xff, 0xff, 0xff, 0x7f, 0xff].slice(0, 1 + this.int(5)));
      }
    }
    return Uint8Array.from(bytes);
  }

  private input(v: ProtocolVersion): Uint8Array {
    const kind = this.int(10);
    if (kind === 0) return this.randomBytes();
    if (kind <= 6) return this.mutate(this.pick(this.corpus[v]));
    const parts: Uint8Array[] = [];
    const n = 2 + this.int(3);
    for (let i = 0; i < n; i++) parts.push(this.random() < 0.5 ? this.pick(this.corpus[v]) : this.mutate(this.pick(this.corpus[v])));
    return concat(parts);
  }

  /** One input through one decoder; records the outcome. */
  step(): void {
    const mode = this.int(5);
    const v: ProtocolVersion = mode % 2 === 0 ? 4 : 5;
    const server = mode === 4;
    let input = this.input(v);
    if (server) input = concat([this.pick(this.connects[v]), input]);
    const maximumPacketSize = this.pick([undefined, 64, 1024, 300_000]);
    const cuts: number[] = [];
    const pieces = this.int(4);
    for (let i = 0; i < pieces; i++) cuts.push(this.int(input.length + 1));
    cuts.sort((a, b) => a - b);
    this.report.inputs++;
    this.report.bytes += input.length;

    const fail = (problem: string): void => {
      if (this.report.failures.length < 50) {
        this.report.failures.push({ input: Buffer.from(input).toString("hex"), protocolVersion: server ? "server" : v, cuts, problem });
      }
    };
    const decoder = new PacketDecoder({ protocolVersion: server ? undefined : v, maximumPacketSize });
    const onPacket = (packet: Packet): void => {
      this.report.packets++;
      const version = decoder.protocolVersion;
      if (version === undefined) return fail(`packet ${packet.type} before the protocol version was known`);
      let again: Packet;
      try {
        again = decodePacket(encode(packet, version), version);
      } catch (error) {
        // The one rule only a sender must keep: a 3.1.1 server answers an empty Client Identifier without
        // Clean Session with CONNACK 0x02 (3.1.3.1), so the decoder hands it over; we refuse to send it.
        if (error instanceof ProtocolError && error.section === "3.1.3.1") return;
        return fail(`decoded ${packet.type} does not re-encode: ${String(error)}`);
      }
      if (!isDeepStrictEqual(again, packet)) fail(`decoded ${packet.type} does not round-trip`);
    };
    try {
      pushInChunks(decoder, input, cuts, onPacket);
    } catch (error) {
      if (error instanceof ProtocolError && CODES.has(error.code) && SECTION.test(error.section)) {
        this.report.typedErrors++;
        this.report.errorCodes[error.code] = (this.report.errorCodes[error.code] ?? 0) + 1;
      } else {
        fail(`untyped error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
    }
  }
}

export function runFuzz(iterations: number, seed: number): FuzzReport {
  const fuzzer = new Fuzzer(seed);
  for (let i = 0; i < iterations; i++) fuzzer.step();
  return fuzzer.report;
}
