// The real PPG recordings in test/data (Node only: files): BIDMC finger PPG with ECG R-peaks, split into
// the records the estimator was tuned on and the records held out from tuning (chosen by a rule on the
// ECG alone, before any estimator ran on them: test/data/bidmc/README.md).
import { fileURLToPath } from "node:url";
import { loadBeatTimes, loadPleth, loadPlethColumn, type RecordedPpg } from "./ppg-files.js";
import { meanHeartRate } from "./ppg-reference.js";

export interface PpgRecord {
  name: string;
  ppg: RecordedPpg;
  /** ECG R-peak times, s. */
  beats: Float64Array;
  /** Reference heart rate over [from, to) s from the R-peaks (NaN with fewer than two). */
  reference(from: number, to: number): number;
}

export const TUNING_RECORDS = ["bidmc01", "bidmc02", "bidmc04", "bidmc05"] as const;
export const HELD_OUT_RECORDS = ["bidmc06", "bidmc11", "bidmc12", "bidmc13", "bidmc14", "bidmc15", "bidmc18"] as const;

const BIDMC_RATE = 125;
const data = (path: string) => fileURLToPath(new URL(`../../test/data/${path}`, import.meta.url));

export function loadRecord(name: string): PpgRecord {
  const number = /^bidmc(\d\d)$/.exec(name)?.[1];
  if (number === undefined) throw new Error(`no recording ${name}`);
  // bidmc01 came first, as whole 8-minute files with a time column; the others are 240 s excerpts.
  const ppg = number === "01" ? loadPleth(data("bidmc01/pleth.csv")) : loadPlethColumn(data(`bidmc/${name}-pleth.csv`), BIDMC_RATE);
  const beats = loadBeatTimes(data(number === "01" ? "bidmc01/r_peaks.csv" : `bidmc/${name}-r_peaks.csv`));
  return { name, ppg, beats, reference: (from, to) => meanHeartRate(beats, from, to) };
}
