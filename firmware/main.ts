// Device entry (esp32 and the lin simulator): builds the Moddable bindings of the ports and starts the
// TelemetryApp. Wi-Fi (and SNTP) were brought up by manifest_net's setup/network before this runs.
//
//   mc/config -> device settings;  clock set? -> storage, sensors, TLS credentials -> TelemetryApp.start()
import config from "mc/config";
import { moddableClock } from "./platform/moddable/clock.js";
import { deviceTls } from "./platform/moddable/certificates.js";
import { deviceSettings, type DeviceSettings } from "./platform/device-settings.js";
import { startSensors } from "./platform/moddable/sensors.js";
import { ModdableSocket } from "./platform/moddable/socket.js";
import { openStorage } from "./platform/moddable/storage.js";
import type { Vitals } from "./sensors/sensor-chain.js";
import { whenClockSet } from "./platform/moddable/wall-clock.js";
import type { Storage, TlsOptions } from "./platform/ports.js";
import type { ConnectInfo } from "./mqtt/client/options.js";
import { TelemetryApp } from "./telemetry/app.js";
import type { AppConfig } from "./telemetry/config.js";

/** Directory of the outbox and the stored remote configuration. */
const DATA_DIRECTORY = "wearable";

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return `${error.name}${code === undefined ? "" : ` [${String(code)}]`}: ${error.message}`;
}

// The app's reports, as functions of this module rather than closures: preloaded, they cost no RAM.
function report(error: Error): void {
  trace(`error: ${describe(error)}\n`);
}

function traceConnect(info: ConnectInfo): void {
  trace(`mqtt: connected to ${info.broker.host}:${info.broker.port} (session present ${info.sessionPresent})\n`);
}

function traceDisconnect(reason: Error): void {
  trace(`mqtt: disconnected: ${describe(reason)}\n`);
}

function traceConfig(applied: AppConfig): void {
  trace(`config: ${JSON.stringify(applied)}\n`);
}

/** A start-up failure (a bad config key, missing certificates) is traced with its reason, not left to
 *  surface as a bare "unhandled exception". */
function guarded(step: () => void): void {
  try {
    step();
  } catch (error) {
    trace(`start-up failed: ${describe(error instanceof Error ? error : new Error(String(error)))}\n`);
  }
}

const clock = moddableClock;

/** Called by the runtime once the setup modules (Wi-Fi, SNTP) are done. The module's top level does no
 *  device work, so it can be preloaded into flash. */
export default function main(): void {
  guarded(() => {
    const settings = deviceSettings(config);
    trace(`wearable ${settings.deviceId}: broker ${settings.broker.host}:${settings.broker.port}\n`);
    whenClockSet(settings.sntp, () => guarded(() => start(settings)));
  });
}

function start(settings: DeviceSettings): void {
  // What can fail for good comes first, so a failed start leaves no sampling timer running.
  const secure = deviceTls(settings.serverName);
  const storage = openStorage(DATA_DIRECTORY);
  const sensors = startSensors(clock, report);
  let app: TelemetryApp;
  try {
    app = createApp(settings, storage, secure, sensors.sources);
  } catch (error) {
    sensors.close(); // e.g. a start-up configuration the app refuses
    throw error;
  }
  trace(`outbox: ${app.outbox.count} stored readings\n`);
  sensors.sink = app; // heart-rate estimates are pushed to the app as they are made
  app.start();
}

function createApp(settings: DeviceSettings, storage: Storage, secure: TlsOptions, sources: Vitals["sources"]): TelemetryApp {
  return new TelemetryApp({
    deviceId: settings.deviceId,
    ...(settings.topicPrefix !== undefined ? { topicPrefix: settings.topicPrefix } : {}),
    clock,
    storage,
    sensors: sources,
    config: settings.app,
    mqtt: {
      Socket: ModdableSocket,
      clock,
      brokers: [settings.broker],
      secure,
      protocolVersion: settings.protocolVersion,
      keepAlive: settings.keepAlive,
      ...(settings.username !== undefined ? { username: settings.username } : {}),
      ...(settings.password !== undefined ? { password: settings.password } : {}),
      // Resume the session after a drop, so the broker keeps our config subscription and the client's
      // unacknowledged publishes are resent (MQTT 4.4).
      cleanStart: false,
    },
    onConnect: traceConnect,
    onDisconnect: traceDisconnect,
    onConfig: traceConfig,
    onError: report,
  });
}
