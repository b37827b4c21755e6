// Device entry (esp32 and the lin simulator): builds the Moddable bindings of the ports and starts the
// TelemetryApp. Wi-Fi (and SNTP) were brought up by manifest_net's setup/network before this runs.
//
//   mc/config -> device settings;  clock set? -> storage, sensors, TLS credentials -> TelemetryApp.start()
import config from "mc/config";
import { moddableClock } from "./platform/moddable/clock.js";
import { deviceTls } from "./platform/moddable/certificates.js";
import { deviceSettings } from "./platform/moddable/device-config.js";
import { startSensors } from "./platform/moddable/sensors.js";
import { ModdableSocket } from "./platform/moddable/socket.js";
import { openStorage } from "./platform/moddable/storage.js";
import { whenClockSet } from "./platform/moddable/wall-clock.js";
import { TelemetryApp } from "./telemetry/app.js";

/** Directory of the outbox and the stored remote configuration. */
const DATA_DIRECTORY = "wearable";

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return `${error.name}${code === undefined ? "" : ` [${String(code)}]`}: ${error.message}`;
}

function report(error: Error): void {
  trace(`error: ${describe(error)}\n`);
}

const settings = deviceSettings(config);
const clock = moddableClock;
trace(`wearable ${settings.deviceId}: broker ${settings.broker.host}:${settings.broker.port}\n`);

whenClockSet(settings.sntp, () => {
  const sensors = startSensors(clock, report);
  const app = new TelemetryApp({
    deviceId: settings.deviceId,
    clock,
    storage: openStorage(DATA_DIRECTORY),
    sensors: sensors.sources,
    config: settings.app,
    mqtt: {
      Socket: ModdableSocket,
      clock,
      brokers: [settings.broker],
      secure: deviceTls(settings.serverName),
      protocolVersion: settings.protocolVersion,
      keepAlive: settings.keepAlive,
      // Resume the session after a drop, so the broker keeps our config subscription and the client's
      // unacknowledged publishes are resent (MQTT 4.4).
      cleanStart: false,
    },
    onConnect: (info) => trace(`mqtt: connected to ${info.broker.host}:${info.broker.port} (session present ${info.sessionPresent})\n`),
    onDisconnect: (reason) => trace(`mqtt: disconnected: ${describe(reason)}\n`),
    onConfig: (applied) => trace(`config: ${JSON.stringify(applied)}\n`),
    onError: report,
  });
  trace(`outbox: ${app.outbox.count} stored readings\n`);
  app.start();
});
