// `npm run bench -- energy`: how long the wearable lasts on a battery, from its measured activity.
//
// The firmware's uplink runs for real (bench/energy/rig.ts): the TelemetryApp with the real MQTT client and
// its upload schedule, the firmware's network on demand on simulated airwaves, the host's TLS socket (the
// device's TLS profile, resuming sessions as the device does), the hardened mosquitto over TLS behind a relay
// that counts every byte and holds it for a link's latency, the sensor chain on the chip models. Time is
// virtual but runs with real time whenever anything is in flight (bench-clock.ts), so each exchange with the
// broker takes what it takes on the link while the hours between uploads pass in seconds. Always connected,
// and uploads every 1, 5 and 15 minutes, each run for several cycles and extended to a day by its schedule
// (bench/energy/activity.ts); an alarm in the middle of a sleep at the default period; the full and resumed
// handshakes of the device's own TLS in the Moddable simulator (bench/device-apps/tls-resume, when the SDK is
// there). Then charge with datasheet currents and the named assumptions (bench/energy/model.ts).
//
// A table, then one JSON line at the default upload period (5 minutes, the firmware's: manifest.json).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_CONFIG } from "../firmware/telemetry/config.js";
import { moddableSdk, sdkLookup } from "../host-sim/mcsim/sdk.js";
import { checkSequence } from "../support/ingest.js";
import { ensureDevPki } from "../support/certs.js";
import { alwaysDay, dutyDay, handshakes, meanHandshake, SESSION_LIFETIME_S, type DayActivity, type Handshake } from "./energy/activity.js";
import { deviceHandshakes, type DeviceHandshake } from "./energy/handshake-mcsim.js";
import { ASSUMPTIONS, CURRENTS, charge, ledOnSeconds, xsOpsPerSecond, type Charge } from "./energy/model.js";
import { Rig } from "./energy/rig.js";

const ROOT = resolve(import.meta.dirname, "..");
/** The link: half a round trip to a broker on the internet (one way), and association with DHCP. */
const LATENCY_MS = 25;
const ASSOCIATION_MS = 1500;
const DEFAULT_PERIOD_S = 300;
/** The manifest's default period (the firmware's), which the JSON line is at. */
const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8")) as { config: { uploadPeriodMs: number } };
if (manifest.config.uploadPeriodMs !== DEFAULT_PERIOD_S * 1000) throw new Error("the bench's default period is not the firmware's");

const pki = await ensureDevPki();
const config = { hrIntervalMs: DEFAULT_CONFIG.hrIntervalMs, tempIntervalMs: DEFAULT_CONFIG.tempIntervalMs };
const log = (line: string) => console.error(line);

/** Readings that should have arrived by the end, and how many did not. */
function delivery(rig: Rig, by: number): { lost: number; delivered: number } {
  let last = 0;
  rig.storedAt.forEach((t, seq) => {
    if (t <= by) last = Math.max(last, seq);
  });
  const { missing } = checkSequence(rig.ingest.records, last);
  return { lost: missing.length, delivered: last - missing.length };
}

async function runMode(label: string, periodS: number, seconds: number): Promise<{ rig: Rig; lost: number; delivered: number }> {
  log(`energy: ${label}, ${seconds / 60} simulated minutes ...`);
  const rig = await Rig.start({ pki, config: { ...config, uploadPeriodMs: periodS * 1000 }, latencyMs: LATENCY_MS, associationMs: ASSOCIATION_MS });
  await rig.run(seconds * 1000);
  // The last upload that ran to its end: what was stored before it must be at the back end.
  const lastUpload = rig.cycles.filter((c) => c.release !== undefined).at(-1)?.request ?? 0;
  const { lost, delivered } = delivery(rig, periodS === 0 ? rig.clock.ticks() - 2 * 60_000 : lastUpload);
  if (rig.errors.length > 0) log(`energy: ${label}: errors ${rig.errors.map((e) => e.message).join("; ")}`);
  return { rig, lost, delivered };
}

// ---- the runs -------------------------------------------------------------------------------------------

const always = await runMode("always connected", 0, 600);
const duty = new Map<number, Awaited<ReturnType<typeof runMode>>>();
for (const [periodS, seconds] of [
  [60, 16 * 60],
  [300, 36 * 60],
  [900, 61 * 60],
] as const) {
  duty.set(periodS, await runMode(`an upload every ${periodS / 60} min`, periodS, seconds));
}

// Every handshake the runs made: full (each run's first) and resumed (the rest), on the host's TLS.
const all = [always.rig, ...[...duty.values()].map((r) => r.rig)].map(handshakes);
const hostFull = meanHandshake(all.flatMap((h) => h.full));
const hostResumed = meanHandshake(all.flatMap((h) => h.resumed));

// The alarm: the pulse jumps to 140 bpm (NEWS2 3, red) halfway through a sleep at the default period.
log("energy: an alarm while asleep, at the default period ...");
const ALARM_AT_S = 200;
const alarmRig = await Rig.start({
  pki,
  config: { ...config, uploadPeriodMs: DEFAULT_PERIOD_S * 1000 },
  latencyMs: LATENCY_MS,
  associationMs: ASSOCIATION_MS,
  heartRate: (s) => (s < ALARM_AT_S ? 72 : 140),
});
await alarmRig.run((ALARM_AT_S + 60) * 1000);
const alert = alarmRig.alerts.find((a) => (JSON.parse(a.payload) as { level: string }).level === "high");
const alarmSeq = alert ? (JSON.parse(alert.payload) as { seq: number }).seq : undefined;
const alarmLatencyS = alert ? Math.round((alert.t / 1000 - ALARM_AT_S) * 10) / 10 : null;
const alarmUplinkS = alert && alarmSeq !== undefined ? Math.round((alert.t - alarmRig.storedAt[alarmSeq]) / 100) / 10 : null;

// The device's own TLS, in mcsim: left out only without the SDK; with it, a failed build fails the bench.
let device: { full: DeviceHandshake; resumed: DeviceHandshake } | undefined;
let deviceSkipped: string | undefined;
const sdkThere = sdkLookup();
if (sdkThere.built || sdkThere.setup) {
  log("energy: full and resumed handshakes of the device's TLS in mcsim (a build, about a minute) ...");
  device = await deviceHandshakes(moddableSdk(), pki, () => {});
} else {
  deviceSkipped = "no Moddable SDK (MODDABLE, or the setup script beside the project)";
  log(`energy: mcsim handshakes skipped: ${deviceSkipped}`);
}

// ---- a day, and charge ----------------------------------------------------------------------------------

const budgets = (JSON.parse(readFileSync(join(ROOT, "bench/xs-budgets.json"), "utf8")) as { budgets: Record<string, number> }).budgets;
const readingsPerS = 1000 / DEFAULT_CONFIG.hrIntervalMs + 1000 / DEFAULT_CONFIG.tempIntervalMs;
const xsOps = xsOpsPerSecond(budgets, readingsPerS);
const resumedComputeRatio = device ? device.resumed.ms / device.full.ms : 0.1;
const inputs = { xsOps, resumedComputeRatio, powerManagement: true };

interface Row {
  day: DayActivity;
  charge: Charge;
  lost?: number;
  delivered?: number;
  note?: string;
}
const rows: Row[] = [];
const alwaysDayActivity = alwaysDay("always connected", always.rig, hostFull);
// As built before: always connected without power management, the FIFO drained every 100 ms (6 more wake-ups a
// second than now) and both LEDs pulsing: the same activity, charged so (a model row, not a run).
rows.push({
  day: { ...alwaysDayActivity, label: "as built before (model)", wakeups: alwaysDayActivity.wakeups + 6 * 86_400 },
  charge: charge({ ...alwaysDayActivity, wakeups: alwaysDayActivity.wakeups + 6 * 86_400 }, { ...inputs, powerManagement: false, leds: 2 }),
  note: "no power management, red and IR LEDs",
});
rows.push({ day: alwaysDayActivity, charge: charge(alwaysDayActivity, inputs), lost: always.lost, delivered: always.delivered });
for (const [periodS, run] of duty) {
  const day = dutyDay(`an upload every ${periodS / 60} min`, run.rig, periodS, hostFull, hostResumed);
  rows.push({ day, charge: charge(day, inputs), lost: run.lost, delivered: run.delivered });
}
const fiveMinutes = duty.get(DEFAULT_PERIOD_S)!;
const noResumption = dutyDay("every 5 min, no TLS resumption", fiveMinutes.rig, DEFAULT_PERIOD_S, hostFull, hostResumed, false);
rows.push({ day: noResumption, charge: charge(noResumption, inputs), note: "every handshake full (model from the 5 min run)" });
const headline = rows.find((r) => r.day.periodS === DEFAULT_PERIOD_S && r.note === undefined)!;

// ---- the tables -----------------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) => (Math.abs(n) < 0.5 * 10 ** -digits ? 0 : n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
function table(header: string[], body: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  line(header);
  for (const r of body) line(r);
}

console.log(`energy: the wearable's uplink run for real against mosquitto over TLS (link ${2 * LATENCY_MS} ms round trip, association ${ASSOCIATION_MS / 1000} s),`);
console.log("extended to a day by its schedule; activity measured, currents from datasheets (sources below)");
console.log("");
table(
  ["mode", "ran", "radio s/day: connect", "TLS", "transfer", "idle", "TLS full/resumed a day", "KB up/down a day", "wake-ups/s", "delivered/lost", "mAh/day", "days on 500 mAh"],
  rows.map((r) => [
    r.day.label,
    r.note ?? `${fmt(r.day.ranS / 60)} min${r.day.cycles > 0 ? `, ${r.day.cycles} cycles` : ""}`,
    fmt(r.day.connectS),
    fmt(r.day.tlsS),
    fmt(r.day.transferS),
    fmt(r.day.idleS),
    `${fmt(r.day.handshakes.full)}/${fmt(r.day.handshakes.resumed)}`,
    `${fmt(r.day.up / 1024)}/${fmt(r.day.down / 1024)}`,
    fmt(r.day.wakeups / 86_400, 1),
    r.lost === undefined ? "-" : `${r.delivered}/${r.lost}`,
    fmt(r.charge.total, 1),
    fmt(r.charge.days500mAh, 2),
  ]),
);
console.log("");
console.log(`where the charge goes at the default period (an upload every ${DEFAULT_PERIOD_S / 60} min), mAh a day:`);
table(
  ["item", "mAh/day", "share"],
  Object.entries(headline.charge.items).map(([item, value]) => [item, fmt(value, 2), `${fmt((100 * value) / headline.charge.total, 1)} %`]),
);
console.log(
  `CPU at work ${fmt(headline.charge.cpuS)} s a day (XS ${fmt(xsOps / 1000)} k operations/s measured in the XS engine, bench/xs-budgets.json); ` +
    `sensor on all day, its IR LED on ${fmt(ledOnSeconds())} s a day (400 pulses/s of 411 us)`,
);
console.log("");
const hsRow = (label: string, h: Handshake | DeviceHandshake, extra: string[]) => [label, fmt(h.up), fmt(h.down), fmt(h.up + h.down), fmt(Math.floor(h.flights / 2)), ...extra];
table(
  ["TLS handshake", "bytes up", "down", "total", "round trips", "wall time", "XS heap peak"],
  [
    hsRow("host (Node, device profile), full", hostFull, [`${fmt(hostFull.linkS * 1000)} ms on the link`, "-"]),
    hsRow("host, resumed", hostResumed, [`${fmt(hostResumed.linkS * 1000)} ms on the link`, "-"]),
    ...(device
      ? [
          hsRow("device (SDK TLS in mcsim), full", device.full, [`${device.full.ms} ms`, `${fmt(device.full.peakBytes)} B`]),
          hsRow("device (SDK TLS in mcsim), resumed", device.resumed, [`${device.resumed.ms} ms`, `${fmt(device.resumed.peakBytes)} B`]),
        ]
      : [["device (mcsim)", `skipped: ${deviceSkipped}`, "", "", "", "", ""]]),
  ],
);
const resumedHandshakeRatio = device
  ? Math.round(((device.resumed.up + device.resumed.down) / (device.full.up + device.full.down)) * 1000) / 1000
  : Math.round(((hostResumed.up + hostResumed.down) / (hostFull.up + hostFull.down)) * 1000) / 1000;
console.log(
  `round trips: before the client's first byte of MQTT; the broker keeps a session ${SESSION_LIFETIME_S / 3600} h (OpenSSL's default, mosquitto sets none): one full handshake in that time, the rest resumed`,
);
console.log("");
console.log("currents (datasheets) and assumptions (what the host cannot run as the board does; a power analyser confirms them):");
for (const [name, f] of Object.entries(CURRENTS)) console.log(`  ${name}: ${f.value} mA  ${f.source}`);
for (const [name, f] of Object.entries(ASSUMPTIONS)) console.log(`  ${name}: ${f.value}  assumed: ${f.source}`);
console.log(`  link: ${LATENCY_MS} ms each way, association and DHCP ${ASSOCIATION_MS / 1000} s (the simulated airwaves): assumed`);
console.log(
  `alarm: pulse 72 -> 140 bpm at ${ALARM_AT_S} s, asleep; the alert at the broker ${alarmLatencyS ?? "never"} s later (${alarmUplinkS ?? "-"} s after the reading was stored; before it, the estimator's 8 s window taking in the new rate)`,
);
console.log(
  JSON.stringify({
    bench: "energy",
    ours: Math.round(headline.charge.days500mAh * 100) / 100,
    unit: `days on 500 mAh, an upload every ${DEFAULT_PERIOD_S / 60} min`,
    uploadPeriodS: DEFAULT_PERIOD_S,
    mAhPerDay: Math.round(headline.charge.total * 10) / 10,
    days500mAh: Math.round(headline.charge.days500mAh * 100) / 100,
    alarmLatencyS,
    resumedHandshakeRatio,
    handshakeRatioFrom: device ? "device (mcsim)" : "host",
    lost: [always, ...duty.values()].reduce((n, r) => n + r.lost, 0),
    alwaysConnectedDays: Math.round(rows[1].charge.days500mAh * 100) / 100,
    asBuiltBeforeDays: Math.round(rows[0].charge.days500mAh * 100) / 100,
  }),
);

await Promise.all([always.rig.close(), ...[...duty.values()].map((r) => r.rig.close()), alarmRig.close()]);
