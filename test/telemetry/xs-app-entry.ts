// XS entry: the whole telemetry app (client, outbox, batching, SenML) inside the XS engine, on the
// forwarded socket, clock and storage. The host sets the vital signs and triggers samples, so the test
// decides what is measured when; the sampling timers are set far out.
import type { MqttClientOptions } from "../../firmware/mqtt/client/options.js";
import { TelemetryApp } from "../../firmware/telemetry/app.js";
import type { AppConfig } from "../../firmware/telemetry/config.js";
import type { StatusCounters } from "../../firmware/telemetry/status.js";
import { expose } from "../../host-sim/xs/runtime/host-channel.js";
import { XsSocket, xsClock, xsStorage } from "../../host-sim/xs/runtime/ports.js";

export type AppSettings = {
  deviceId: string;
  mqtt: Omit<MqttClientOptions, "Socket" | "clock" | "random" | `on${string}` | "clientId" | "will">;
  config: Partial<AppConfig>;
};

export interface AppStatus {
  connects: number;
  connected: boolean;
  counters: StatusCounters;
  errors: string[];
  nextSeq: number;
}

let app: TelemetryApp | undefined;
const vitals: { hr?: number; temp?: number } = {};
const status = { connects: 0, errors: [] as string[] };
const waiters: { count: number; resolve: () => void }[] = [];

function current(): TelemetryApp {
  if (!app) throw new Error("app not started");
  return app;
}

expose({
  start(settings: AppSettings) {
    app = new TelemetryApp({
      deviceId: settings.deviceId,
      clock: xsClock,
      storage: xsStorage,
      sensors: { hr: () => vitals.hr, temp: () => vitals.temp },
      mqtt: { ...settings.mqtt, Socket: XsSocket, clock: xsClock, random: () => 0.5 },
      config: settings.config,
      onConnect: () => {
        status.connects++;
        for (let i = waiters.length - 1; i >= 0; i--) if (status.connects >= waiters[i].count) waiters.splice(i, 1)[0].resolve();
      },
      onError: (error) => {
        status.errors.push(`${(error as { code?: string }).code ?? error.name}: ${error.message}`);
      },
    });
    app.start();
  },
  untilConnects: (count: number) =>
    new Promise<void>((resolve) => {
      if (status.connects >= count) resolve();
      else waiters.push({ count, resolve });
    }),
  setVitals(hr: number | null, temp: number | null) {
    vitals.hr = hr ?? undefined;
    vitals.temp = temp ?? undefined;
  },
  sample(kind: "hr" | "temp", times: number) {
    for (let i = 0; i < times; i++) current().sample(kind);
  },
  status(): AppStatus {
    const a = current();
    return {
      connects: status.connects,
      connected: a.client.connected,
      counters: a.counters,
      errors: status.errors,
      nextSeq: a.outbox.nextSeq,
    };
  },
  close() {
    app?.close();
    app = undefined;
  },
});
