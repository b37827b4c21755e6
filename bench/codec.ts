// `npm run bench -- codec`: our encode + decode against mqtt-packet's generate + parse, measured side by
// side in one run (rounds alternate which codec goes first).
//
// One operation = encode one packet to bytes and push those bytes through a streaming decoder that emits
// the packet (ours: encode() + PacketDecoder.push(); peer: mqttPacket.generate() + parser.parse()). Each
// codec gets its packet in its own native shape, built once outside the timed loop (Buffer payloads for
// mqtt-packet, Uint8Array for us).
//
// Allocation per operation: V8 is switched to --expose-gc at startup; for each window of OPS_PER_WINDOW
// operations we collect garbage first, then read process.memoryUsage() before and after and take
// (heapUsed + arrayBuffers) delta / operations. With no collection inside a window that delta is every
// byte allocated, garbage included (JS objects, strings, typed array views and their off-heap backing
// stores; Node's Buffer pool counts when it takes a new 8 KB slab, i.e. amortised). A scavenge inside a
// window would make it read low, so we report the median window; a window that reads negative is dropped.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import mqttPacket from "mqtt-packet";
import { PacketDecoder } from "../firmware/mqtt/codec/decode.js";
import { encode } from "../firmware/mqtt/codec/encode.js";
import type { Packet, ProtocolVersion } from "../firmware/mqtt/codec/packets.js";
import { toMqttPacket } from "../support/mqtt-oracle.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const ROUNDS = 10;
const ROUND_MS = 50;
const OPS_PER_WINDOW = 128;
const WINDOWS = 41;

interface Case {
  name: string;
  v: ProtocolVersion;
  /** Packets sent in turn (one, or several to defeat caching). */
  packets: Packet[];
}

const payload = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
const topic = "wearable/7f3a/telemetry/hr";

function cases(v: ProtocolVersion): Case[] {
  const publish = (size: number, qos: 0 | 1, topics = 1): Case => ({
    name: `PUBLISH ${size >= 1024 ? size / 1024 + " KB" : size + " B"} QoS ${qos}${topics > 1 ? `, ${topics} topics` : ""}`,
    v,
    packets: Array.from({ length: topics }, (_, i) => ({
      type: "publish",
      topic: topics > 1 ? `${topic}/${i}` : topic,
      payload: payload(size),
      qos,
      retain: false,
      dup: false,
      ...(qos > 0 ? { packetId: 4242 } : {}),
    })),
  });
  const one = (name: string, packet: Packet): Case => ({ name, v, packets: [packet] });
  return [
    publish(64, 0),
    publish(64, 1),
    // Our decoder caches a few recent Topic Names; 64 topics in turn defeat that cache.
    publish(64, 0, 64),
    publish(1024, 0),
    publish(1024, 1),
    one("PUBACK", { type: "puback", packetId: 4242, ...(v === 5 ? { reasonCode: 0 } : {}) }),
    one("CONNECT", {
      type: "connect",
      protocolVersion: v,
      clientId: "wearable-7f3a",
      cleanStart: false,
      keepAlive: 60,
      username: "device",
      password: payload(24),
      will: { topic: "wearable/7f3a/status", payload: payload(7), qos: 1, retain: true },
      ...(v === 5 ? { properties: { sessionExpiryInterval: 3600, receiveMaximum: 16, maximumPacketSize: 4096 } } : {}),
    }),
    one("SUBSCRIBE", {
      type: "subscribe",
      packetId: 7,
      subscriptions: [
        { topicFilter: "wearable/7f3a/config/#", qos: 1 },
        { topicFilter: "wearable/+/broadcast", qos: 0 },
      ],
    }),
  ];
}

type Op = () => void;

function ours(c: Case): Op {
  const decoder = new PacketDecoder({ protocolVersion: c.v });
  const packets = c.packets;
  const mask = packets.length - 1; // a power of two
  let i = 0;
  let seen = 0;
  const onPacket = (): void => {
    seen++;
  };
  return () => {
    decoder.push(encode(packets[i++ & mask], c.v), onPacket);
    if (seen === 0) throw new Error("our decoder emitted nothing");
  };
}

function peer(c: Case): Op {
  const objects = c.packets.map((p) => toMqttPacket(p, c.v) as unknown as mqttPacket.Packet);
  const mask = objects.length - 1;
  let i = 0;
  const opts = { protocolVersion: c.v };
  const parser = mqttPacket.parser(opts);
  let seen = 0;
  parser.on("packet", () => {
    seen++;
  });
  parser.on("error", (e: Error) => {
    throw e;
  });
  return () => {
    parser.parse(mqttPacket.generate(objects[i++ & mask], opts));
    if (seen === 0) throw new Error("mqtt-packet emitted nothing");
  };
}

/** Runs `op` for about `ms` milliseconds; returns [operations, nanoseconds]. */
function timed(op: Op, ms: number): [number, number] {
  const budget = BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed: bigint;
  do {
    for (let i = 0; i < 200; i++) op();
    ops += 200;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return [ops, Number(elapsed)];
}

function bytesPerOp(op: Op): number {
  const samples: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < OPS_PER_WINDOW; i++) op();
    const after = process.memoryUsage();
    const delta = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    if (delta >= 0) samples.push(delta / OPS_PER_WINDOW);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1] ?? NaN;
}

interface Row {
  name: string;
  v: ProtocolVersion;
  ours: number;
  peer: number;
  ratio: number;
  oursBytes: number;
  peerBytes: number;
}

function measure(c: Case): Row {
  const a = ours(c);
  const b = peer(c);
  timed(a, 150); // warm up both before measuring
  timed(b, 150);
  let aOps = 0;
  let aNs = 0;
  let bOps = 0;
  let bNs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order: [Op, boolean][] = round % 2 === 0 ? [[a, true], [b, false]] : [[b, false], [a, true]];
    for (const [op, isOurs] of order) {
      const [ops, ns] = timed(op, ROUND_MS);
      if (isOurs) {
        aOps += ops;
        aNs += ns;
      } else {
        bOps += ops;
        bNs += ns;
      }
    }
  }
  const oursRate = aOps / (aNs / 1e9);
  const peerRate = bOps / (bNs / 1e9);
  return { name: c.name, v: c.v, ours: oursRate, peer: peerRate, ratio: oursRate / peerRate, oursBytes: bytesPerOp(a), peerBytes: bytesPerOp(b) };
}

const rows: Row[] = [];
for (const v of [4, 5] as const) for (const c of cases(v)) rows.push(measure(c));

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const header = ["case", "MQTT", "ours pkt/s", "mqtt-packet pkt/s", "ratio", "ours B/pkt", "mqtt-packet B/pkt"];
const table = rows.map((r) => [r.name, r.v === 4 ? "3.1.1" : "5.0", fmt(r.ours), fmt(r.peer), r.ratio.toFixed(2) + "x", fmt(r.oursBytes), fmt(r.peerBytes)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log("codec: encode + streaming decode, one packet per operation, alternating rounds in one run");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));
// Calibration: what the same method reads for allocations of known size.
let sink: unknown;
const small = bytesPerOp(() => {
  sink = new Uint8Array(16); // on-heap typed array: header + 16 bytes
});
const large = bytesPerOp(() => {
  sink = new Uint8Array(1000); // off-heap backing store of 1000 bytes + its JS objects
});
void sink;
console.log(`allocation: median of ${WINDOWS} windows x ${OPS_PER_WINDOW} ops, (heapUsed + arrayBuffers) delta after gc(), per operation`);
console.log(`  calibration of the method: new Uint8Array(16) reads ${fmt(small)} B, new Uint8Array(1000) reads ${fmt(large)} B`);

// Headline: PUBLISH 64 B, the worst of its rows (QoS 0/1, one or 64 topics, MQTT 3.1.1/5.0).
const headline = rows.filter((r) => r.name.startsWith("PUBLISH 64 B")).reduce((worst, r) => (r.ratio < worst.ratio ? r : worst));
console.log(
  JSON.stringify({
    bench: "codec",
    case: `${headline.name} MQTT ${headline.v === 4 ? "3.1.1" : "5.0"} (worst PUBLISH 64 B row)`,
    ours: Math.round(headline.ours),
    peer: Math.round(headline.peer),
    unit: "packets/s",
    ratio: Number(headline.ratio.toFixed(2)),
    oursBytesPerPacket: Math.round(headline.oursBytes),
    peerBytesPerPacket: Math.round(headline.peerBytes),
  }),
);
