// Node-only: loads a recorded PPG and its reference heart rate from CSV (kept apart from the pure models so
// the XS host can bundle those without file access).
import { readFileSync } from "node:fs";

export interface RecordedPpg {
  /** Samples per second. */
  rate: number;
  values: Float32Array;
}

export interface ReferenceWindow {
  start: number;
  end: number;
  bpm: number;
}

/** `time_s,pleth` rows with a header; the rate is taken from the time column. */
export function loadPleth(path: string): RecordedPpg {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/).slice(1);
  const values = new Float32Array(lines.length);
  let first = 0, last = 0;
  lines.forEach((line, i) => {
    const [time, value] = line.split(",");
    if (i === 0) first = Number(time);
    last = Number(time);
    values[i] = Number(value);
  });
  const rate = Math.round((lines.length - 1) / (last - first));
  return { rate, values };
}

/** A `pleth` header, then one value per line, recorded at `rate` samples/s. */
export function loadPlethColumn(path: string, rate: number): RecordedPpg {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/).slice(1);
  return { rate, values: Float32Array.from(lines, Number) };
}

/** An `r_peak_time_s` header, then one beat time (s) per line, ascending. */
export function loadBeatTimes(path: string): Float64Array {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/).slice(1);
  return Float64Array.from(lines, Number);
}

/** `window_start_s,window_end_s,reference_hr_bpm` rows with a header. */
export function loadReferenceHeartRate(path: string): ReferenceWindow[] {
  return readFileSync(path, "utf8")
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [start, end, bpm] = line.split(",").map(Number);
      return { start, end, bpm };
    });
}
