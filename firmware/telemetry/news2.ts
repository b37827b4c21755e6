// NEWS2 (Royal College of Physicians, 2017) sub-scores for the two vitals the wearable measures, and the
// alarm monitor that decides when to publish an alert.
//
// NEWS2 charts pulse in whole beats per minute and temperature to 0.1 C, so a value is rounded to that
// resolution before it is banded (36.04 C is charted 36.0; 130.6 bpm is 131).
//   Pulse:       <=40 -> 3, 41-50 -> 1, 51-90 -> 0, 91-110 -> 1, 111-130 -> 2, >=131 -> 3
//   Temperature: <=35.0 -> 3, 35.1-36.0 -> 1, 36.1-38.0 -> 0, 38.1-39.0 -> 1, >=39.1 -> 2

import { atResolution } from "./precision.js";
import type { ReadingKind } from "../common/vital-signs.js";

export type News2Score = 0 | 1 | 2 | 3;

export function news2PulseScore(bpm: number): News2Score {
  const p = Math.round(bpm);
  if (p <= 40) return 3;
  if (p <= 50) return 1;
  if (p <= 90) return 0;
  if (p <= 110) return 1;
  if (p <= 130) return 2;
  return 3;
}

export function news2TemperatureScore(celsius: number): News2Score {
  // Work in tenths so that 35.0 and 39.1 compare exactly.
  const tenths = Math.round(celsius * 10);
  if (tenths <= 350) return 3;
  if (tenths <= 360) return 1;
  if (tenths <= 380) return 0;
  if (tenths <= 390) return 1;
  return 2;
}

export function news2Score(kind: ReadingKind, value: number): News2Score {
  return kind === "hr" ? news2PulseScore(value) : news2TemperatureScore(value);
}

/**
 * Alarm limits: a reading at or below `low` or at or above `high` is an alarm. The defaults are the NEWS2
 * red bands: pulse <=40 or >=131 (score 3), temperature <=35.0 (score 3) or >=39.1 (score 2).
 */
export interface AlarmThresholds {
  hrLow: number;
  hrHigh: number;
  tempLow: number;
  tempHigh: number;
}

export const NEWS2_THRESHOLDS: AlarmThresholds = { hrLow: 40, hrHigh: 131, tempLow: 35.0, tempHigh: 39.1 };

export type AlarmLevel = "low" | "high" | "normal";

export interface Alert {
  kind: ReadingKind;
  /** "low"/"high" when an alarm starts (or flips side); "normal" when it clears. */
  level: AlarmLevel;
  value: number;
  /** The NEWS2 sub-score of this value. */
  score: News2Score;
  /** The limit crossed ("normal": the limit that had been crossed). */
  threshold: number;
}

/**
 * Edge-triggered alarms per vital: an alert when a vital enters an alarm band or flips from low to high,
 * and one when it returns to normal. Readings that stay in the same band raise nothing more: they are in
 * the telemetry anyway, and an alert per sample would flood the alerts topic and whoever is paged by it.
 */
export class AlarmMonitor {
  #thresholds: AlarmThresholds;
  #level: Record<ReadingKind, AlarmLevel> = { hr: "normal", temp: "normal" };

  constructor(thresholds: AlarmThresholds = NEWS2_THRESHOLDS) {
    this.#thresholds = { ...thresholds };
  }

  /** New limits apply from the next reading; the current state is kept (it re-evaluates on that reading). */
  configure(thresholds: AlarmThresholds): void {
    this.#thresholds = { ...thresholds };
  }

  level(kind: ReadingKind): AlarmLevel {
    return this.#level[kind];
  }

  /** The alert this (plausible) reading raises, if any. */
  update(kind: ReadingKind, value: number): Alert | undefined {
    const t = this.#thresholds;
    const [low, high] = kind === "hr" ? [t.hrLow, t.hrHigh] : [t.tempLow, t.tempHigh];
    // The chart's resolution is the readings' own (precision.ts): a threshold of 39.1 alarms on a reading of 39.1.
    const v = atResolution(kind, value);
    const level: AlarmLevel = v <= low ? "low" : v >= high ? "high" : "normal";
    const previous = this.#level[kind];
    if (level === previous) return undefined;
    this.#level[kind] = level;
    const side = level === "normal" ? previous : level;
    return { kind, level, value, score: news2Score(kind, value), threshold: side === "low" ? low : high };
  }
}
