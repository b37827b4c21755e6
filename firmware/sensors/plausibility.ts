// Physiological plausibility limits (design.md section 6): values outside them are sensor faults, not alarms.

export const HEART_RATE_MIN_BPM = 25;
export const HEART_RATE_MAX_BPM = 250;
export const BODY_TEMPERATURE_MIN_C = 30;
export const BODY_TEMPERATURE_MAX_C = 45;

export function plausibleHeartRate(bpm: number): boolean {
  return bpm >= HEART_RATE_MIN_BPM && bpm <= HEART_RATE_MAX_BPM;
}

export function plausibleBodyTemperature(celsius: number): boolean {
  return celsius >= BODY_TEMPERATURE_MIN_C && celsius <= BODY_TEMPERATURE_MAX_C;
}
