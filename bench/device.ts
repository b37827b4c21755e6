// `npm run bench -- device`: the XS heap on the device's runtime (the Moddable simulator, mcsim, with the
// esp32 build's memory limits), after a forced garbage collection, for five apps run side by side against
// one mosquitto over mutual TLS:
//   (a) the Moddable SDK's own "mqtt" client (QoS 0 only, no reconnect): bench/device-apps/sdk-mqtt
//   (b) this project's MQTT client alone doing the same: examples/mqtt-client with qos=0
//   (c) the whole firmware (manifest.json; lin has simulated sensors)
//   (d) this project's MQTT client alone at QoS 1: examples/mqtt-client with qos=1
//   (e) the SDK's feature-comparable client doing the same: its ECMA-419 MQTT client under its MQTT.js-style
//       wrapper (QoS 1 and 2, resend, reconnect), bench/device-apps/sdk-mqttjs. Their sources are in a full
//       SDK ($MODDABLE/examples/io/tcp/mqttclient, $MODDABLE/examples/io/tcp/mqtt) but not in the trimmed snapshot: MODDABLE_REPO
//       may name a Moddable checkout that has them; without them the row says it was skipped and why.
// plus the firmware's parts one by one (bench/device-apps/parts), for reference the SDK's socket alone
// (bench/device-apps/sdk-socket), and (e)'s parts (bench/device-apps/sdk-mqttjs-parts). Each app's heap
// meter traces chunk and slot bytes every second (firmware/platform/moddable/heap-meter.ts): at load (before
// main runs), right after connecting, 60 s after connecting (steady), and the highest sample. Bytes on lin
// (64-bit, 32-byte slots); slot counts compare with the esp32 creation (4,928 slots, 78,848 chunk bytes).
// Last line: one JSON object.
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { ensureDevPki } from "../certs/dev-pki.js";
import { provision } from "../certs/provisioning.js";
import { buildForSimulator } from "../host-sim/mcsim/build.js";
import type { AppBuild } from "../host-sim/mcsim/mcconfig.js";
import { ESP32_CREATION, heapBytes, parseHeapLine, slotCount, type HeapSample } from "../host-sim/mcsim/heap-samples.js";
import { FAILURE_LINE, startMcsim } from "../host-sim/mcsim/simulator.js";
import { moddableSdk } from "../host-sim/mcsim/sdk.js";
import { startMosquitto } from "../support/mosquitto.js";
import { startSntpServer } from "../host-sim/sntp-server.js";

const root = resolve(import.meta.dirname, "..");
const STEADY_MS = 60_000;
const RUN_MS = STEADY_MS + 20_000;
const TARGETS = { oursMax: 40 * 1024, oursAim: 29 * 1024, clientRatioMax: 1.25, clientRatioAim: 1.0, headroom: 0.25 };

interface App {
  key: "a" | "b" | "c" | "d" | "e";
  label: string;
  build: AppBuild;
  /** The device id provisioned into the run's HOME (the firmware's identity is not in its build). */
  identity?: string;
  /** Why the app cannot be built here (its sources are missing). */
  skipped?: string;
}

// Peer (e)'s sources, where a full SDK has them, or in the checkout MODDABLE_REPO names.
const PEER_SOURCES = ["examples/io/tcp/mqttclient/mqttclient.js", "examples/io/tcp/mqtt/mqtt.js", "examples/io/udp/dns/manifest_dns.json", "examples/io/udp/dns/dns.js"];

/** The checkout (or SDK) holding peer (e)'s sources, or why there is none. */
function peerRepo(sdkRoot: string): { root: string; skipped?: undefined } | { root?: undefined; skipped: string } {
  const root = process.env.MODDABLE_REPO ?? sdkRoot;
  const missing = PEER_SOURCES.filter((file) => !existsSync(join(root, file)));
  if (!existsSync(join(sdkRoot, "examples/io/tcp/tlssocket/manifest.json"))) missing.push(`examples/io/tcp/tlssocket (in the SDK at ${sdkRoot})`);
  if (missing.length === 0) return { root };
  const where = process.env.MODDABLE_REPO
    ? `MODDABLE_REPO=${root}`
    : `the SDK at ${root} (a trimmed SDK leaves them out; set MODDABLE_REPO to a checkout of the Moddable repository)`;
  return { skipped: `no ${missing.join(", ")} in ${where}` };
}

const sdk = moddableSdk();
const peer = peerRepo(sdk.root);
const certs = join(tmpdir(), `wearable-bench-device-pki-${process.getuid?.() ?? "user"}`); // reused across runs
const devices = ["wearable-001", "wearable-002", "wearable-003", "wearable-004", "wearable-005", "wearable-006", "wearable-007"];
const pki = await ensureDevPki({ out: certs, devices });
const broker = await startMosquitto({ tls: { cafile: pki.ca.certPem, certfile: pki.broker.certPem, keyfile: pki.broker.keyPem, crlfile: pki.crl } });
// The firmware sets its clock by SNTP, as on the board (the simulator's starts unset).
const sntp = await startSntpServer();
const env = (device: string) => ({ CERTS: certs, DEVICE_ID: device });
const common = { mqttPort: broker.port, heapMeterMs: 1000, sntp: `127.0.0.1:${sntp.port}` };

const apps: App[] = [
  {
    key: "a",
    label: "(a) Moddable SDK mqtt, QoS 0",
    build: { dir: join(root, "bench/device-apps/sdk-mqtt"), name: "bench-sdk-mqtt", config: { ...common, deviceId: "wearable-002", mqttHost: "127.0.0.1" }, env: env("wearable-002") },
  },
  {
    key: "b",
    label: "(b) our client alone, QoS 0",
    build: { dir: join(root, "examples/mqtt-client"), name: "mqtt-client-example", config: { ...common, deviceId: "wearable-003", qos: 0, publishMs: 1000 }, env: env("wearable-003") },
  },
  {
    key: "c",
    label: "(c) the firmware",
    // mcconfig names a build after its manifest's folder unless the manifest sets build.NAME.
    // One image for every device: its identity is in the credentials store of the simulator's HOME.
    // Always connected, as measured before the duty cycle: the heap of a firmware that holds its connection.
    build: { dir: root, name: basename(root), config: { ...common, uploadPeriodMs: 0 } },
    identity: "wearable-001",
  },
  {
    key: "d",
    label: "(d) our client alone, QoS 1",
    build: { dir: join(root, "examples/mqtt-client"), name: "mqtt-client-example", config: { ...common, deviceId: "wearable-005", qos: 1, publishMs: 1000 }, env: env("wearable-005") },
  },
  {
    key: "e",
    label: "(e) Moddable SDK ECMA-419 MQTT client + MQTT.js wrapper, QoS 1",
    build: {
      dir: join(root, "bench/device-apps/sdk-mqttjs"),
      name: "bench-sdk-mqttjs",
      config: { ...common, deviceId: "wearable-006", mqttHost: "127.0.0.1", publishMs: 1000 },
      env: { ...env("wearable-006"), MODDABLE_REPO: peer.root ?? "" },
    },
    skipped: peer.skipped,
  },
];
// The per-part table: our parts, the SDK's socket as the reference row and (e)'s parts (all trace "part: ..." lines).
const partsBuilds: AppBuild[] = [
  // Its identity from a provisioned HOME; the resources of the same device for the row that compares them.
  { dir: join(root, "bench/device-apps/parts"), name: "parts", config: { mqttPort: broker.port, sntp: `127.0.0.1:${sntp.port}` }, env: env("wearable-004") },
  { dir: join(root, "bench/device-apps/sdk-socket"), name: "bench-sdk-socket", config: { mqttPort: broker.port }, env: env("wearable-004") },
];
if (peer.root) {
  partsBuilds.push({
    dir: join(root, "bench/device-apps/sdk-mqttjs-parts"),
    name: "bench-sdk-mqttjs-parts",
    config: { mqttPort: broker.port, deviceId: "wearable-007" },
    env: { ...env("wearable-007"), MODDABLE_REPO: peer.root },
  });
}
const running = apps.filter((app) => !app.skipped);

// (b) and (d) are one manifest built twice into one mcconfig output folder: each run gets its own copy.
const out = await mkdtemp(join(tmpdir(), "wearable-bench-device-"));
async function build(name: string, app: AppBuild): Promise<string> {
  const copy = join(out, name, "mc.so");
  await mkdir(join(out, name));
  await copyFile(await buildForSimulator(sdk, app), copy);
  return copy;
}

console.error(`building ${running.map((a) => a.key).join(", ")} and ${partsBuilds.length} parts apps for lin with mcconfig ...`);
const builds: string[] = [];
for (const app of running) builds.push(await build(app.key, app.build));
for (const parts of partsBuilds) builds.push(await build(parts.name, parts));

console.error(`running them side by side in mcsim for ${RUN_MS / 1000} s ...`);
/** A HOME whose credentials store holds `id` (the firmware and the parts app read their identity there). */
async function homeOf(id: string | undefined): Promise<string | undefined> {
  if (id === undefined) return undefined;
  const home = await mkdtemp(join(out, `home-${id}-`));
  await provision({ deviceId: id, home, pkiDir: certs });
  return home;
}
const homes = [...running.map((app) => app.identity), ...partsBuilds.map((b) => (b.name === "parts" ? "wearable-004" : undefined))];
const runs = await Promise.all(builds.map(async (so, i) => startMcsim(sdk, so, { home: await homeOf(homes[i]) })));
await new Promise((r) => setTimeout(r, RUN_MS));
await Promise.all(runs.map((run) => run.stop()));
await broker.close();
await sntp.close();
await rm(out, { recursive: true, force: true });

interface Figures {
  load: HeapSample;
  connect: HeapSample;
  steady: HeapSample;
  highest: HeapSample;
  failures: string[];
  /** QoS 1 publishes acknowledged by the end (the clients' apps trace "example: N delivered" every 10 s). */
  acknowledged?: number;
}

function figures(lines: string[]): Figures {
  const samples: { sample: HeapSample; at: number }[] = [];
  let connectedAt = -1;
  lines.forEach((line, at) => {
    const sample = parseHeapLine(line);
    if (sample) samples.push({ sample, at });
    else if (connectedAt < 0 && /^mqtt: connected/.test(line)) connectedAt = at;
  });
  if (samples.length === 0 || connectedAt < 0) throw new Error(`no heap samples or no connection:\n${lines.slice(-30).join("\n")}`);
  const connect = samples.find((s) => s.at > connectedAt)?.sample;
  if (!connect) throw new Error("no heap sample after connecting");
  const steady = samples.find((s) => s.sample.ticks >= connect.ticks + STEADY_MS)?.sample;
  if (!steady) throw new Error(`no heap sample ${STEADY_MS / 1000} s after connecting`);
  const highest = samples.reduce((a, b) => (heapBytes(b.sample) > heapBytes(a.sample) ? b : a)).sample;
  const acknowledged = lines.flatMap((l) => /^example: (\d+) delivered/.exec(l)?.[1] ?? []).map(Number).pop();
  return { load: samples[0].sample, connect, steady, highest, failures: lines.filter((l) => FAILURE_LINE.test(l)), acknowledged };
}

const results = new Map(running.map((app, i) => [app.key, figures(runs[i].lines)]));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const cell = (s: HeapSample) => `${kb(heapBytes(s))} (${s.chunk.toLocaleString("en-US")} + ${s.slot.toLocaleString("en-US")})`;
const rows = running.map((app) => {
  const f = results.get(app.key)!;
  return [app.label, cell(f.load), cell(f.connect), cell(f.steady), `${cell(f.highest)}, ${slotCount(f.highest)} slots`];
});
const header = ["app", "load", "after connect", `steady (+${STEADY_MS / 1000} s)`, "highest"];
const widths = header.map((h, i) => Math.max(h.length, ...[...rows, ...apps.map((a) => [a.label])].map((r) => r[i]?.length ?? 0)));
const print = (cells: string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i])).join("  "));
console.log("XS heap in use after Debug.gc() in mcsim (lin, esp32 creation): total (chunk bytes + slot bytes)");
print(header);
console.log(widths.map((w) => "-".repeat(w)).join("  "));
rows.forEach(print);
for (const app of apps) if (app.skipped) console.log(`${app.label.padEnd(widths[0])}  skipped: ${app.skipped}`);

const parts = runs.slice(running.length).flatMap((run) => run.lines).flatMap((line) => {
  const m = /^part: (.+) chunk (-?\d+) slot (-?\d+)$/.exec(line);
  return m ? [{ name: m[1], chunk: Number(m[2]), slot: Number(m[3]) }] : [];
});
console.log("");
console.log("what each part holds (built one after the other in one app; bytes after Debug.gc())");
const partWidth = Math.max(...parts.map((p) => p.name.length));
for (const p of parts) {
  console.log(`${p.name.padEnd(partWidth)}  ${kb(p.chunk + p.slot).padStart(8)}  chunk ${String(p.chunk).padStart(6)}  slots ${String(p.slot / 32).padStart(4)}`);
}

const a = results.get("a")!, b = results.get("b")!, c = results.get("c")!, d = results.get("d")!, e = results.get("e");
const ours = heapBytes(c.steady);
const clientRatio = heapBytes(b.steady) / heapBytes(a.steady);
const clientRatioQos1 = e ? heapBytes(d.steady) / heapBytes(e.steady) : null;
const headroom = {
  slots: 1 - slotCount(c.highest) / ESP32_CREATION.slots,
  chunk: 1 - c.highest.chunk / ESP32_CREATION.chunk,
};
const failures = [...results.entries()].flatMap(([key, f]) => f.failures.map((l) => `(${key}) ${l}`));
console.log("");
console.log(`(c) steady ${kb(ours)}: target <= ${kb(TARGETS.oursMax)} (aim <= ${kb(TARGETS.oursAim)}) ${ours <= TARGETS.oursMax ? "met" : "MISSED"}`);
console.log(`(b)/(a) steady ${clientRatio.toFixed(2)}: target <= ${TARGETS.clientRatioMax} (aim <= ${TARGETS.clientRatioAim}) ${clientRatio <= TARGETS.clientRatioMax ? "met" : "MISSED"}`);
console.log(
  clientRatioQos1 === null
    ? "(d)/(e) not measured: (e) was skipped (the table says why)"
    : `(d)/(e) steady ${clientRatioQos1.toFixed(2)}: our client at QoS 1 against the SDK's QoS 1 client (QoS 1 publishes acknowledged in the run: (d) ${d.acknowledged}, (e) ${e?.acknowledged})`,
);
console.log(
  `(c) highest leaves ${(headroom.slots * 100).toFixed(0)} % of the esp32 slots and ${(headroom.chunk * 100).toFixed(0)} % of its chunk heap: target >= 25 % ${Math.min(headroom.slots, headroom.chunk) >= TARGETS.headroom ? "met" : "MISSED"}`,
);
if (failures.length) console.log(`failure lines in the traces:\n${failures.join("\n")}`);
console.log(
  JSON.stringify({
    bench: "device",
    unit: "bytes",
    ours,
    slots: slotCount(c.highest),
    clientRatio: Number(clientRatio.toFixed(3)),
    clientRatioQos1: clientRatioQos1 === null ? null : Number(clientRatioQos1.toFixed(3)),
    legacy: heapBytes(a.steady),
    client: heapBytes(b.steady),
    clientQos1: heapBytes(d.steady),
    peerQos1: e ? heapBytes(e.steady) : null,
    oursHighest: heapBytes(c.highest),
    headroomSlots: Number(headroom.slots.toFixed(3)),
    headroomChunk: Number(headroom.chunk.toFixed(3)),
    parts: Object.fromEntries(parts.map((p) => [p.name.trim(), p.chunk + p.slot])),
    failures: failures.length,
  }),
);
