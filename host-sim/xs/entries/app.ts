// XS entry: the telemetry app with the sensor chain, wired as firmware/main.ts wires them on the device -
// startVitals (MAX30102 drained into the heart-rate estimator, whose estimates are pushed to the app; TMP117
// or MAX30205 skin temperature, polled) feeding TelemetryApp, which publishes over the MQTT client - on
// forwarded ports (I2C to the host chip models, socket to Node TLS, storage, clock).
import type { ConnectInfo } from "../../../firmware/mqtt/client/options.js";
import { startVitals, type Vitals } from "../../../firmware/sensors/sensor-chain.js";
import { TelemetryApp, type TelemetryMqttOptions } from "../../../firmware/telemetry/app.js";
import type { VitalSink, VitalSource } from "../../../firmware/common/vital-signs.js";
import type { ReadingKind } from "../../../firmware/common/vital-signs.js";
import type { AppConfig } from "../../../firmware/telemetry/config.js";
import type { StatusCounters } from "../../../firmware/telemetry/status.js";
import { CodedError } from "../../../firmware/mqtt/common/coded-error.js";
import { collectGarbage, expose } from "../runtime/host-channel.js";
import { XsI2C, XsSocket, xsClock, xsStorage } from "../runtime/ports.js";

/** What the host passes: the app's settings without the ports (the entry supplies those). */
export interface AppSettings {
  deviceId: string;
  mqtt: Omit<TelemetryMqttOptions, "Socket" | "clock" | "random">;
  config?: Partial<AppConfig>;
}

export interface AppStatus {
  connected: boolean;
  connects: number;
  disconnects: number;
  errors: { name: string; code?: string; message: string }[];
  counters: StatusCounters;
  /** Values the sensors gave the app, polled or pushed (each becomes a reading unless implausible or, pushed,
   *  within the interval of the last one kept). */
  taken: number;
  /** Latest heart-rate estimate, or null while not valid. */
  bpm: number | null;
  config: AppConfig;
}

type Counted = "connects" | "disconnects" | "errors";

let app: TelemetryApp | undefined;
let vitals: Vitals | undefined;
const seen = { connects: 0, disconnects: 0, errors: [] as AppStatus["errors"] };
let taken = 0;

/** Counts the heart-rate estimates pushed, and hands them on to the app (one object, not one per reading). */
const countedSink: VitalSink = {
  offer(kind: ReadingKind, value: number, ticks: number) {
    taken++;
    app?.offer(kind, value, ticks);
  },
};

/** Counts the values a vital source gives. */
function counted(source: VitalSource | undefined): VitalSource | undefined {
  if (!source) return undefined;
  return () => {
    const value = source();
    if (value !== undefined) taken++;
    return value;
  };
}

function reportError(error: Error): void {
  seen.errors.push({ name: error.name, code: error instanceof CodedError ? error.code : undefined, message: error.message });
  wake();
}
const waiters: { kind: Counted; count: number; resolve: () => void }[] = [];

const count = (kind: Counted) => (kind === "errors" ? seen.errors.length : seen[kind]);
function wake(): void {
  for (let i = waiters.length - 1; i >= 0; i--) if (count(waiters[i].kind) >= waiters[i].count) waiters.splice(i, 1)[0].resolve();
}

/** The device's sensor chain (firmware/sensors/sensor-chain.ts) on the forwarded I2C bus. */
function startSensors(): void {
  vitals = startVitals({ io: XsI2C }, xsClock, reportError);
}

function startApp(settings: AppSettings): void {
  app = new TelemetryApp({
    deviceId: settings.deviceId,
    clock: xsClock,
    storage: xsStorage,
    config: settings.config,
    sensors: { temp: counted(vitals?.sources.temp) },
    mqtt: { ...settings.mqtt, Socket: XsSocket, clock: xsClock, random: () => 0.5 },
    onConnect: (_info: ConnectInfo) => {
      seen.connects++;
      wake();
    },
    onDisconnect: () => {
      seen.disconnects++;
      wake();
    },
    onError: reportError,
  });
  if (vitals) vitals.sink = countedSink;
  app.start();
}

expose({
  start(settings: AppSettings) {
    startSensors();
    startApp(settings);
  },

  /** The two halves of start(), for measuring each one's heap. */
  startSensors: () => startSensors(),
  startApp: (settings: AppSettings) => startApp(settings),

  until(kind: Counted, count: number) {
    return new Promise<void>((resolve) => {
      waiters.push({ kind, count, resolve });
      wake();
    });
  },

  status(): AppStatus {
    const r = vitals?.estimator?.reading;
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

  /** Take one reading of `kind` from its polled source now (the app's timers do this on their own). */
  sample(kind: "hr" | "temp") {
    app!.sample(kind);
  },

  /** Forget the bookkeeping of errors so a heap measurement sees the app alone. */
  forget() {
    seen.errors = [];
    collectGarbage();
  },

  close() {
    app?.close();
    vitals?.close();
  },
});
