// `npm run bench -- hr`: heart-rate accuracy of the whole sensor chain (MAX30102 model on the virtual I2C bus ->
// firmware driver -> streaming estimator) in 8 s windows stepped by 2 s, against ground truth: the synthetic
// scenarios' own beat times, and for BIDMC record 01 (real finger PPG) its ECG-derived reference_hr.csv.
// A naive baseline (peaks of the smoothed signal above its window mean, 0.3 s apart, counted per window) runs
// on the very same samples to show what the estimator adds. Last line: one JSON object (design.md section 8).
import { fileURLToPath } from "node:url";
import { loadPleth, loadReferenceHeartRate } from "../host-sim/chips/ppg-files.js";
import { WaveformReplay } from "../host-sim/chips/ppg-replay.js";
import { runHeartRate, score, type Score, type WindowReading } from "../host-sim/chips/ppg-run.js";
import { SCENARIOS } from "../host-sim/chips/ppg-scenarios.js";
import type { OpticalSource } from "../host-sim/chips/optical.js";

const SECONDS = 300;
const SEED = 2026;
const RATE = 100; // FIFO samples per second with the default driver settings (400 sps, averaging 4)
const data = (name: string) => fileURLToPath(new URL(`../test/data/bidmc01/${name}`, import.meta.url));

/** Naive baseline: count local maxima of the 50 ms-smoothed inverted signal above the window mean. */
function naivePeakCount(samples: number[], readings: WindowReading[]): WindowReading[] {
  const window = 8 * RATE;
  return readings.map((r) => {
    const end = Math.round(r.end * RATE);
    const from = end - window;
    let mean = 0;
    const x = new Float64Array(window);
    for (let i = 0; i < window; i++) {
      let sum = 0;
      for (let k = -2; k <= 2; k++) sum += -(samples[Math.min(end - 1, Math.max(0, from + i + k))] ?? 0);
      x[i] = sum / 5;
      mean += x[i] / window;
    }
    let first = -1, last = -1, peaks = 0;
    for (let i = 1; i < window - 1; i++) {
      if (x[i] > mean && x[i] > x[i - 1] && x[i] >= x[i + 1] && (last < 0 || i - last >= 0.3 * RATE)) {
        if (first < 0) first = i;
        last = i;
        peaks++;
      }
    }
    const bpm = peaks >= 2 ? (60 * RATE * (peaks - 1)) / (last - first) : Number.NaN;
    const valid = bpm >= 25 && bpm <= 250;
    return { ...r, bpm: valid ? bpm : Number.NaN, valid, confidence: valid ? 1 : 0 };
  });
}

interface Row {
  name: string;
  target: string;
  ours: Score;
  naive: Score;
  pass: boolean;
}

function run(source: OpticalSource, seconds: number, reference: (from: number, to: number) => number) {
  const samples: number[] = [];
  const readings = runHeartRate(source, seconds, { onSample: (ir) => samples.push(ir) });
  return { ours: score(readings, reference), naive: score(naivePeakCount(samples, readings), reference) };
}

function meets(target: string, s: Score): boolean {
  if (target === "no-finger") return s.valid === 0;
  if (target === "hard") return s.valid > 0 && s.mae <= 5;
  return s.mae <= 2 && s.validShare >= 0.95;
}

const rows: Row[] = [];
for (const scenario of SCENARIOS) {
  const source = scenario.make(SEED, SECONDS);
  const result = run(source, SECONDS, (a, b) => source.referenceHeartRate(a, b));
  rows.push({ name: scenario.name, target: scenario.target, ...result, pass: meets(scenario.target, result.ours) });
}
const pleth = loadPleth(data("pleth.csv"));
const referenceWindows = loadReferenceHeartRate(data("reference_hr.csv"));
const byEnd = new Map(referenceWindows.map((w) => [Math.round(w.end), w.bpm]));
const replay = new WaveformReplay(pleth.values, pleth.rate);
const bidmc = run(replay, replay.duration, (_from, to) => byEnd.get(Math.round(to)) ?? Number.NaN);
rows.push({ name: "bidmc01 (real PPG)", target: "clean", ...bidmc, pass: meets("clean", bidmc.ours) });

const f = (v: number, d = 2) => (Number.isNaN(v) ? "-" : v.toFixed(d));
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
console.log(`Heart rate, 8 s windows / 2 s step, MAX30102 model at 400 sps averaged x4 = ${RATE} samples/s, seed ${SEED}`);
console.log("targets: clean <= 2 bpm MAE and >= 95 % valid; hard (noise, motion) <= 5 bpm; no finger: 0 valid windows");
console.log("");
const header = ["scenario", "target", "windows", "valid", "MAE bpm", "max err", "naive MAE", "naive valid", "met"];
const table = rows.map((r) => [
  r.name,
  r.target,
  String(r.ours.windows),
  pct(r.ours.validShare),
  f(r.ours.mae),
  f(r.ours.maxError, 1),
  f(r.naive.mae),
  pct(r.naive.validShare),
  r.pass ? "yes" : "NO",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));
console.log("");
console.log(
  JSON.stringify({
    bench: "hr",
    ours: Number(bidmc.ours.mae.toFixed(3)),
    unit: "bpm MAE",
    validShare: Number(bidmc.ours.validShare.toFixed(4)),
    windows: bidmc.ours.windows,
    naiveBaselineMae: Number(bidmc.naive.mae.toFixed(3)),
    targetsMet: rows.every((r) => r.pass),
    scenarios: Object.fromEntries(
      rows.map((r) => [r.name.split(" ")[0], { mae: Number.isNaN(r.ours.mae) ? null : Number(r.ours.mae.toFixed(3)), validShare: Number(r.ours.validShare.toFixed(4)), windows: r.ours.windows }]),
    ),
  }),
);
