// `npm run bench -- offline`: the wearable without a network, in the Moddable simulator with the esp32 memory
// (support/offline-scenarios.ts, the scenarios test/device/offline.test.ts asserts), run side by side:
//   (a) powered on with the broker down for two minutes (SNTP blocked for the first half minute);
//   (b) the Wi-Fi and the path gone for two minutes in the middle of a run;
//   (c) the outbox empty and filled to its bound.
// A table, then one JSON line: seconds from power-on to the first stored reading, seconds from the broker's
// return to the first delivery, readings lost, hours of readings the outbox holds at the default rates, and
// the RAM difference between a full and an empty outbox. Needs the Moddable SDK (MODDABLE, or the setup
// script beside the project).
import { moddableSdk } from "../host-sim/mcsim/sdk.js";
import { DEFAULT_CONFIG } from "../firmware/telemetry/config.js";
import { ensureDevPki } from "../support/certs.js";
import { brokerDownAtBoot, buildFirmware, networkGoneMidRun, outboxRam, type OfflineContext } from "../support/offline-scenarios.js";

const context: OfflineContext = { sdk: moddableSdk(), pki: await ensureDevPki() };
console.error("building the firmware three times for lin and running the scenarios side by side in mcsim (about 4 minutes) ...");
const offlineBuild = buildFirmware(context, { mqttPort: 9, heapMeterMs: 2000 });
const [a, b, c] = await Promise.all([brokerDownAtBoot(context), networkGoneMidRun(context), offlineBuild.then((so) => outboxRam(context, so))]);

// The defaults: a heart-rate reading every hrIntervalMs and a temperature every tempIntervalMs.
const perHour = 3_600_000 / DEFAULT_CONFIG.hrIntervalMs + 3_600_000 / DEFAULT_CONFIG.tempIntervalMs;
const outboxHours = Math.round((c.capacity / perHour) * 10) / 10;
const lost = a.lost.length + b.lost.length;

const rows: [string, string, string][] = [
  ["(a) power-on to the first stored reading", `${a.fromBootS} s`, "<= 15 s"],
  ["(a) broker back -> connected", `${a.reconnectS} s`, "<= 65 s"],
  ["(a) broker back -> first reading delivered", `${a.firstDeliveryS} s`, ""],
  ["(a) readings delivered / lost / duplicated / wrong times", `${a.delivered} / ${a.lost.length} / ${a.duplicates} / ${a.wrongTimes.length}`, "lost 0"],
  ["(b) network gone -> device offline", `${b.offlineAfterS} s`, ""],
  ["(b) network back -> connected", `${b.reconnectS} s`, "<= 65 s"],
  ["(b) network back -> first reading delivered", `${b.firstDeliveryS} s`, ""],
  ["(b) readings delivered / lost / duplicated / wrong times", `${b.delivered} / ${b.lost.length} / ${b.duplicates} / ${b.wrongTimes.length}`, "lost 0"],
  ["(c) outbox bound", `${c.capacity} readings = ${outboxHours} h at ${perHour}/h`, ">= 24 h"],
  ["(c) heap with the outbox empty / full (lin bytes after GC)", `${c.emptyBytes} / ${c.fullBytes} B`, ""],
  ["(c) full - empty", `${c.deltaBytes} B`, "<= 1024 B"],
  ["(c) power-on to the first stored reading, outbox full", `${c.fullFromBootS} s`, ""],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log("offline-first in mcsim (lin, esp32 creation)");
for (const [what, value, target] of rows) console.log(`${what.padEnd(width)}  ${value.padEnd(36)}  ${target}`);
const failures = [...a.failures, ...b.failures, ...c.failures];
if (failures.length > 0) console.log(`failure lines in the traces: ${failures.join(" | ")}`);
console.log(
  JSON.stringify({
    bench: "offline",
    ours: lost,
    unit: "readings lost",
    fromBootS: a.fromBootS,
    reconnectS: a.firstDeliveryS,
    lost,
    outboxHours,
    outboxRamDeltaBytes: c.deltaBytes,
    networkReconnectS: b.firstDeliveryS,
    failures: failures.length,
  }),
);
