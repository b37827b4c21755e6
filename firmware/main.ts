// Device entry (esp32 and the lin simulator): builds the Moddable bindings of the ports, starts recording at
// once, and starts the network beside it. Nothing waits for Wi-Fi or the clock: the SDK's setup/network,
// which would hold main back until both were there, is replaced (platform/moddable/setup-network.ts). Who
// the device is comes from its credentials store (the identity partition), not from the build; without one
// it records all the same and connects once provisioned (firmware/identity/).
//
//   mc/config -> device settings -> identity, storage, sensors -> TelemetryApp.start()   (recording)
//                                -> Network.start(): Wi-Fi, SNTP -> online -> the app's client connects
// The network is on demand: the app's upload schedule asks for it for each upload (uploadPeriodMs), or for
// good (0: always connected).
import config from "mc/config";
import { asError } from "./mqtt/common/as-error.js";
import { CodedError } from "./mqtt/common/coded-error.js";
import { TimeoutError } from "./mqtt/client/client-errors.js";
import { DnsError } from "./mqtt/platform/dns-error.js";
import { NetworkError } from "./mqtt/platform/network-error.js";
import type { DeviceIdentity } from "./identity/device-identity.js";
import { IDENTITY_PARTITION, openIdentity } from "./identity/open-identity.js";
import type { RenewalEvent } from "./identity/renewal.js";
import { openPartition } from "./platform/moddable/flash-partition.js";
import { rsaSigner } from "./platform/moddable/rsa-signer.js";
import { forgetTlsSession } from "./platform/moddable/tls-sessions.js";
import { deviceSettings, type DeviceSettings } from "./platform/device-settings.js";
import { configurePower } from "./platform/moddable/power.js";
import { startSensors } from "./platform/moddable/sensors.js";
import { ModdableSocket } from "./mqtt/platform/moddable/socket.js";
import { openStorage } from "./platform/moddable/storage.js";
import { ModdableUdp, moddableResolve } from "./platform/moddable/udp.js";
import { deviceClock } from "./platform/moddable/wall-clock.js";
import { wifiClass } from "./platform/moddable/wifi.js";
import type { CallbackThis, Clock, Storage } from "./platform/ports.js";
import { Network, type NetworkEvent } from "./network/network.js";
import type { ReadingKind, VitalSource } from "./common/vital-signs.js";
import type { ConnectInfo } from "./mqtt/client/options.js";
import { TelemetryApp } from "./telemetry/app.js";
import { configDocument, type AppConfig } from "./telemetry/config.js";

/** Directory of the outbox, the clock anchors and the stored remote configuration. */
const DATA_DIRECTORY = "wearable";
/** The app's id while the device has no identity: it never connects, so the id is never used. */
const UNPROVISIONED = "unprovisioned";
/** MQTT 5 Session Expiry Interval, seconds (3.1.2.11.2); 3.1.1 brokers keep a Clean Session 0 session. */
const SESSION_EXPIRY_S = 86_400;

function describe(error: Error): string {
  return `${error.name}${error instanceof CodedError ? ` [${error.code}]` : ""}: ${error.message}`;
}

// The app's and the network's reports, as functions of this module rather than closures: preloaded, they
// cost no RAM. A connection attempt that the network failed (refused, cut, timed out, a name that did not
// resolve) is the weather, traced as such; anything else is an error.
function report(error: Error): void {
  const weather = error instanceof NetworkError || error instanceof DnsError || error instanceof TimeoutError;
  trace(`${weather ? "mqtt: attempt failed" : "error"}: ${describe(error)}\n`);
}

function traceConnect(info: ConnectInfo): void {
  trace(`mqtt: connected to ${info.broker.host}:${info.broker.port} (session present ${info.sessionPresent})\n`);
}

function traceDisconnect(reason: Error): void {
  trace(`mqtt: disconnected: ${describe(reason)}\n`);
}

/** Power-on to the first reading on flash is a figure of the offline bench: traced once. */
let recording = false;
function traceStored(seq: number, kind: string): void {
  if (recording) return;
  recording = true;
  trace(`recording: first reading stored (seq ${seq}, ${kind})\n`);
}

function traceConfig(applied: AppConfig): void {
  trace(`config: ${configDocument(applied)}\n`);
}

function networkOnline(this: CallbackThis, online: boolean): void {
  trace(`network: ${online ? "online" : "offline"}\n`);
  (this.target as TelemetryApp).networkChanged(online);
}

/** Without an identity the network still sets the clock, but the app has nothing to connect with. */
function networkWithoutIdentity(online: boolean): void {
  trace(`network: ${online ? "online" : "offline"}\n`);
}

function traceRenewal(event: RenewalEvent): void {
  const until = new Date(event.notAfter).toISOString();
  switch (event.kind) {
    case "requested":
      return trace(`identity: certificate valid until ${until}: renewal requested\n`);
    case "storing":
      return trace(`identity: storing the renewed certificate (valid until ${until})\n`);
    case "stored":
      return trace(`identity: renewed certificate stored (valid until ${until}); reconnecting with it\n`);
    case "confirmed":
      return trace(`identity: renewed certificate in use (valid until ${until})\n`);
    case "abandoned":
      return trace(`identity: back to the previous certificate (valid until ${until})\n`);
  }
}

/** The identity in the credentials partition; undefined, said in one line, when there is none to use. */
function loadIdentity(serverName: string | undefined): DeviceIdentity | undefined {
  let identity: DeviceIdentity | undefined;
  try {
    identity = openIdentity(openPartition(IDENTITY_PARTITION), serverName);
  } catch (error) {
    trace(`identity: none usable: ${describe(asError(error))}; recording, readings wait in the outbox\n`);
    return undefined;
  }
  if (!identity) trace(`identity: none (the ${IDENTITY_PARTITION} partition is empty: npm run provision); recording, readings wait in the outbox until the device is provisioned and restarted\n`);
  return identity;
}

function traceNetwork(event: NetworkEvent): void {
  switch (event.kind) {
    case "joining":
      return trace(`wifi: joining ${event.ssid}\n`);
    case "up":
      return trace(`wifi: connected to ${event.ssid}, address ${event.address ?? "?"}\n`);
    case "lost":
      return trace(`wifi: lost ${event.ssid}\n`);
    case "released":
      return trace(`wifi: left ${event.ssid} until the next upload\n`);
    case "join-failed":
      return trace(`wifi: could not join ${event.ssid}; next attempt in ${Math.round(event.retryMs / 1000)} s\n`);
    case "clock-set":
      return trace(`clock: ${event.first ? "set" : "resynchronised"} by SNTP: ${new Date(event.time).toISOString()}\n`);
    case "time-failed":
      return trace(`clock: ${describe(event.error)}; next attempt in ${Math.round(event.retryMs / 1000)} s\n`);
  }
}

/** A start-up failure (a bad config key, missing certificates) is traced with its reason, not left to
 *  surface as a bare "unhandled exception". */
function guarded(step: () => void): void {
  try {
    step();
  } catch (error) {
    trace(`start-up failed: ${describe(asError(error))}\n`);
  }
}

/** Called by the runtime once the setup modules are done (at once: none waits). The module's top level
 *  does no device work, so it can be preloaded into flash. */
export default function main(): void {
  guarded(() => {
    const settings = deviceSettings(config);
    const identity = loadIdentity(settings.serverName);
    if (identity) trace(`wearable ${identity.deviceId}: broker ${settings.broker.host}:${settings.broker.port}\n`);
    start(settings, deviceClock(), identity);
  });
}

function start(settings: DeviceSettings, clock: Clock, identity: DeviceIdentity | undefined): void {
  configurePower(); // frequency scaling and light sleep on esp32, before anything else runs
  // What can fail for good comes first, so a failed start leaves no sampling timer running.
  const storage = openStorage(DATA_DIRECTORY);
  const sensors = startSensors(clock, report);
  let app: TelemetryApp;
  try {
    app = createApp(settings, clock, storage, identity, sensors.sources);
  } catch (error) {
    sensors.close(); // e.g. a start-up configuration the app refuses
    throw error;
  }
  trace(`outbox: ${app.outbox.count} stored readings\n`);
  sensors.sink = app; // heart-rate estimates are pushed to the app as they are made
  if (settings.networks.length === 0) trace("wifi: no network configured (ssid=...): readings are kept until one is\n");
  const network = new Network({
    WiFi: wifiClass(),
    networks: settings.networks,
    clock,
    sntp: { UDP: ModdableUdp, resolve: moddableResolve, servers: settings.sntp },
    onDemand: true,
    target: app,
    onOnline: identity ? networkOnline : networkWithoutIdentity,
    onEvent: traceNetwork,
  });
  app.start(network); // recording from now on, whatever the network does; the network when the uploads want it
  trace(`uplink: ${app.config.uploadPeriodMs === 0 ? "always connected" : `an upload every ${app.config.uploadPeriodMs / 1000} s`}\n`);
  network.start();
}

function createApp(settings: DeviceSettings, clock: Clock, storage: Storage, identity: DeviceIdentity | undefined, sources: Partial<Record<ReadingKind, VitalSource>>): TelemetryApp {
  return new TelemetryApp({
    deviceId: identity?.deviceId ?? UNPROVISIONED,
    ...(settings.topicPrefix !== undefined ? { topicPrefix: settings.topicPrefix } : {}),
    clock,
    storage,
    sensors: sources,
    config: settings.app,
    waitForNetwork: true,
    mqtt: {
      Socket: ModdableSocket,
      clock,
      brokers: [settings.broker],
      secure: identity?.tls,
      protocolVersion: settings.protocolVersion,
      keepAlive: settings.keepAlive,
      ...(settings.username !== undefined ? { username: settings.username } : {}),
      ...(settings.password !== undefined ? { password: settings.password } : {}),
      // Resume the session after a drop and across upload cycles, so the broker keeps our config subscription
      // and the client's unacknowledged publishes are resent (MQTT 4.4); MQTT 5 ends a session at its expiry,
      // a day: longer than any upload period and a night off the network.
      cleanStart: false,
      sessionExpiryInterval: SESSION_EXPIRY_S,
      // A broker back from an outage is reached within about half a minute (full jitter below 30 s), which a
      // hospital's fleet of wearables spreads over that time.
      backoff: { cap: 30_000 },
    },
    ...(identity ? { identity: { identity, sign: rsaSigner, marginDays: settings.renewalMarginDays, forgetTlsSession } } : {}),
    onRenewal: traceRenewal,
    onConnect: traceConnect,
    onDisconnect: traceDisconnect,
    onConfig: traceConfig,
    onStored: traceStored,
    onError: report,
  });
}
