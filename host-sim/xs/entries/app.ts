// XS entry: the telemetry app with the sensor chain, as the device runs them - MAX30102 drained every
// 100 ms into the heart-rate estimator, MAX30205 skin temperature, TelemetryApp publishing over the MQTT
// client - on forwarded ports (I2C to the host chip models, socket to Node TLS, storage, clock).
// The wiring of sensors into the app's vital sources is this entry's own (no firmware/main.ts yet).
import type { ConnectInfo } from "../../../firmware/mqtt/client-options.js";
import { HeartRateEstimator } from "../../../firmware/sensors/heart-rate.js";
import { Max30102 } from "../../../firmware/sensors/max30102.js";
import { Max30205 } from "../../../firmware/sensors/max30205.js";
import { TelemetryApp, type TelemetryMqttOptions } from "../../../firmware/telemetry/app.js";
import type { AppConfig } from "../../../firmware/telemetry/config.js";
import type { StatusCounters } from "../../../firmware/telemetry/status.js";
import { collectGarbage, expose } from "../runtime/link.js";
import { XsI2C, XsSocket, xsClock, xsStorage } from "../runtime/ports.js";

/** What the host passes: the app's settings without the ports (the entry supplies those). */
export interface AppSettings {
  deviceId: string;
  mqtt: Omit<TelemetryMqttOptions, "Socket" | "clock" | "random">;
  config?: Partial<AppConfig>;
  /** FIFO drain period, ms (default 100). */
  drainMs?: number;
}

export interface AppStatus {
  connected: boolean;
  connects: number;
  disconnects: number;
  errors: { name: string; code?: string; message: string }[];
  counters: StatusCounters;
  /** Values the app took from the sensors (each becomes a reading unless implausible). */
  taken: number;
  /** Latest heart-rate estimate, or null while not valid. */
  bpm: number | null;
  config: AppConfig;
}

type Counted = "connects" | "disconnects" | "errors";

let app: TelemetryApp | undefined;
let ppg: Max30102 | undefined;
let thermometer: Max30205 | undefined;
let estimator: HeartRateEstimator | undefined;
let drainTimer: unknown;
let seen = { connects: 0, disconnects: 0, errors: [] as AppStatus["errors"] };
let taken = 0;

/** Counts the values a vital source gives. */
function counted(source: () => number | undefined): () => number | undefined {
  return () => {
    const value = source();
    if (value !== undefined) taken++;
    return value;
  };
}
const waiters: { kind: Counted; count: number; resolve: () => void }[] = [];

const count = (kind: Counted) => (kind === "errors" ? seen.errors.length : seen[kind]);
function wake(): void {
  for (let i = waiters.length - 1; i >= 0; i--) if (count(waiters[i].kind) >= waiters[i].count) waiters.splice(i, 1)[0].resolve();
}

function drain(period: number): void {
  const s = ppg!.sample();
  if (s.discontinuity) estimator!.markGap(s.lost);
  for (let i = 0; i < s.count; i++) estimator!.push(s.ir[i]);
  drainTimer = xsClock.set(() => drain(period), period);
}

/** The sensor chain: MAX30102 drained every `period` ms into the estimator, and the MAX30205. */
function startSensors(period: number): void {
  ppg = new Max30102({ sensor: { io: XsI2C }, mode: "spo2", sampleRate: 400, sampleAverage: 4 });
  estimator = new HeartRateEstimator({ sampleRate: ppg.outputRate });
  thermometer = new Max30205({ sensor: { io: XsI2C } });
  drainTimer = xsClock.set(() => drain(period), period);
}

function startApp(settings: AppSettings): void {
  seen = { connects: 0, disconnects: 0, errors: [] };
  taken = 0;
  app = new TelemetryApp({
    deviceId: settings.deviceId,
    clock: xsClock,
    storage: xsStorage,
    config: settings.config,
    sensors: {
      hr: counted(() => (estimator!.reading.valid ? estimator!.reading.bpm : undefined)),
      temp: counted(() => thermometer!.sample()?.temperature),
    },
    mqtt: { ...settings.mqtt, Socket: XsSocket, clock: xsClock, random: () => 0.5 },
    onConnect: (_info: ConnectInfo) => {
      seen.connects++;
      wake();
    },
    onDisconnect: () => {
      seen.disconnects++;
      wake();
    },
    onError: (error) => {
      seen.errors.push({ name: error.name, code: (error as { code?: string }).code, message: error.message });
      wake();
    },
  });
  app.start();
}

expose({
  start(settings: AppSettings) {
    startSensors(settings.drainMs ?? 100);
    startApp(settings);
  },

  /** The two halves of start(), for measuring each one's heap. */
  startSensors: (drainMs = 100) => startSensors(drainMs),
  startApp: (settings: AppSettings) => startApp(settings),

  until(kind: Counted, count: number) {
    return new Promise<void>((resolve) => {
      waiters.push({ kind, count, resolve });
      wake();
    });
  },

  status(): AppStatus {
    const r = estimator?.reading;
    return {
      connected: app?.client.connected ?? false,
      connects: seen.connects,
      disconnects: seen.disconnects,
      errors: seen.errors,
      taken,
      counters: app!.counters,
      bpm: r?.valid ? r.bpm : null,
      config: app!.config,
    };
  },

  /** Take one reading of `kind` now (the app's timers do this on their own). */
  sample(kind: "hr" | "temp") {
    app!.sample(kind);
  },

  /** Forget the bookkeeping of errors so a heap measurement sees the app alone. */
  forget() {
    seen.errors = [];
    collectGarbage();
  },

  close() {
    xsClock.clear(drainTimer);
    app?.close();
    ppg?.close();
    thermometer?.close();
  },
});
