// `npm run bench -- e2e`: end-to-end publish throughput through mosquitto over TLS (client certificates) on
// loopback, this client vs MQTT.js, same broker, alternating rounds in one run.
//
// Each run: connect (not timed), then 20,000 PUBLISHes of 64 B as fast as the client's flow control allows,
// with at most QUEUE messages outstanding for both clients (ours: its bounded queue; MQTT.js: the same
// count enforced by the driver). QoS 1 ends at the last PUBACK; QoS 0 ends at the PUBACK of one QoS 1
// "fence" publish sent after the batch, so both clients are timed until the broker has taken everything.
// Heap (heapUsed + arrayBuffers, each after gc()): "heap growth" = halfway through the run, when each client
// holds a full pipeline (QUEUE messages), minus connected and idle (the gc pause is not timed). The cost
// of the connection itself is not compared: the previous run's sockets are still being released then.
import mqtt from "mqtt";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { performance } from "node:perf_hooks";
import { MqttClient } from "../firmware/mqtt/client/client.js";
import { NodeClock } from "../host-sim/platform/node-clock.js";
import { nodeSocketClass } from "../host-sim/platform/node-socket.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../support/certs.js";
import { startMosquitto } from "../support/mosquitto.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MESSAGES = 20_000;
const PAYLOAD = new Uint8Array(64).fill(0x61);
const QUEUE = 1_000;
const ROUNDS = Number(process.env.E2E_ROUNDS ?? 5);
const TOPIC = `devices/${DEVICE_ID}/bench`;
const WINDOW = 64 * 1024; // our socket binding's writable window for the bench

interface Result {
  rate: number; // msgs/s
  heap: number; // bytes held with a full pipeline, over the connected idle client
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * The timed part, the same for both clients: MESSAGES publishes through `send` (false: no room now, tried
 * again on the next completion), then for QoS 0 the QoS 1 `fence`. Heap growth is taken halfway, after a
 * gc whose pause is not timed.
 */
async function drive(
  send: (done: () => void, outstanding: number) => boolean,
  fence: (done: () => void) => void,
  qos: 0 | 1,
): Promise<Result> {
  let paused = 0;
  gc();
  const base = heapNow();
  let mid = base;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    let completed = 0;
    const done = (): void => {
      completed++;
      if (completed === MESSAGES / 2) {
        const t = performance.now();
        gc();
        mid = heapNow();
        paused += performance.now() - t;
      }
      if (completed === MESSAGES) {
        if (qos === 0) fence(() => resolve());
        else resolve();
        return;
      }
      feed();
    };
    const feed = (): void => {
      while (next < MESSAGES && send(done, next - completed)) next++;
    };
    feed();
  });
  const elapsed = performance.now() - start - paused;
  return { rate: MESSAGES / (elapsed / 1000), heap: mid - base };
}

async function runOurs(pki: TestPki, port: number, qos: 0 | 1): Promise<Result> {
  let connectedResolve!: () => void;
  const connected = new Promise<void>((r) => (connectedResolve = r));
  const client = new MqttClient({
    Socket: nodeSocketClass({ window: WINDOW }),
    clock: new NodeClock(),
    brokers: [{ host: "localhost", address: "127.0.0.1", port }],
    secure: pki.deviceTls(),
    clientId: `${DEVICE_ID}-ours`,
    inflight: 1000,
    queue: { maxMessages: QUEUE, maxBytes: 1 << 20 },
    onConnect: () => connectedResolve(),
  });
  client.connect();
  await connected;
  const options = { qos };
  const result = await drive(
    (done) => client.tryPublish(TOPIC, PAYLOAD, options, done),
    (done) => client.publish(TOPIC, PAYLOAD, { qos: 1 }, done), // the queue is empty by now
    qos,
  );
  client.close();
  return result;
}

async function runPeer(pki: TestPki, port: number, qos: 0 | 1): Promise<Result> {
  const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
    ca: pki.ca.certPem,
    cert: pki.device.certPem,
    key: pki.device.keyPem,
    servername: "localhost",
    clientId: `${DEVICE_ID}-mqttjs`,
    reconnectPeriod: 0,
  });
  client.stream.setMaxListeners(0); // MQTT.js adds a 'drain' listener per buffered publish
  const payload = Buffer.from(PAYLOAD);
  const options = { qos };
  const result = await drive(
    (done, outstanding) => {
      if (outstanding >= QUEUE) return false;
      client.publish(TOPIC, payload, options, done);
      return true;
    },
    (done) => client.publish(TOPIC, payload, { qos: 1 }, done),
    qos,
  );
  await client.endAsync();
  return result;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const pki = await ensureDevPki();
const broker = await startMosquitto({ tls: pki.brokerTls });
const results: Record<string, { ours: Result[]; peer: Result[] }> = { "0": { ours: [], peer: [] }, "1": { ours: [], peer: [] } };
try {
  // Warm-up (JIT, TLS session caches) for both, not counted.
  for (const qos of [0, 1] as const) {
    await runOurs(pki, broker.port, qos);
    await runPeer(pki, broker.port, qos);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const qos of [0, 1] as const) {
      // Alternate who goes first, so neither always runs on a warmer (or more fragmented) heap.
      if (round % 2 === 0) {
        results[qos].ours.push(await runOurs(pki, broker.port, qos));
        results[qos].peer.push(await runPeer(pki, broker.port, qos));
      } else {
        results[qos].peer.push(await runPeer(pki, broker.port, qos));
        results[qos].ours.push(await runOurs(pki, broker.port, qos));
      }
    }
  }
} finally {
  await broker.close();
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
const rows = (["0", "1"] as const).map((qos) => {
  const r = results[qos];
  const ours = median(r.ours.map((x) => x.rate));
  const peer = median(r.peer.map((x) => x.rate));
  return {
    qos,
    ours,
    peer,
    ratio: ours / peer,
    oursHeap: median(r.ours.map((x) => x.heap)),
    peerHeap: median(r.peer.map((x) => x.heap)),
  };
});
console.log(`e2e: ${MESSAGES} x 64 B PUBLISH through mosquitto over TLS (mutual certs, loopback), median of ${ROUNDS} alternating rounds`);
console.log(`     at most ${QUEUE} outstanding per client; our socket window ${WINDOW} B; heap growth = full pipeline vs idle (after gc)`);
const header = ["QoS", "ours msg/s", "MQTT.js msg/s", "ratio", "ours heap growth", "MQTT.js heap growth"];
const table = rows.map((r) => [
  r.qos,
  fmt(r.ours),
  fmt(r.peer),
  `${r.ratio.toFixed(2)}x`,
  kib(r.oursHeap),
  kib(r.peerHeap),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));
const q1 = rows[1];
const q0 = rows[0];
console.log(
  JSON.stringify({
    bench: "e2e",
    case: "QoS 1, 64 B, 20000 msgs, mosquitto TLS",
    ours: Math.round(q1.ours),
    peer: Math.round(q1.peer),
    unit: "msgs/s",
    ratio: Number(q1.ratio.toFixed(2)),
    oursHeapBytes: Math.round(q1.oursHeap),
    peerHeapBytes: Math.round(q1.peerHeap),
    qos0: { ours: Math.round(q0.ours), peer: Math.round(q0.peer), ratio: Number(q0.ratio.toFixed(2)), oursHeapBytes: Math.round(q0.oursHeap), peerHeapBytes: Math.round(q0.peerHeap) },
  }),
);
