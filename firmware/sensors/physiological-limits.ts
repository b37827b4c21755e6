// Physiological plausibility limits (firmware/sensors/README.md): values outside them are sensor faults, not alarms.
// The telemetry app gates readings on them (telemetry/sensor-faults.ts); the beat detector sizes its
// refractory period from the highest rate.

export const HEART_RATE_MIN_BPM = 25;
export const HEART_RATE_MAX_BPM = 250;
export const BODY_TEMPERATURE_MIN_C = 30;
export const BODY_TEMPERATURE_MAX_C = 45;
