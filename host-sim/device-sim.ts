// One simulated wearable: the firmware's TelemetryApp on the simulated chips (device/simulated-sensors.ts), with the
// host bindings of the ports - Node clock, file storage for the outbox, the Node TLS socket - dialling
// the broker through its own link (device/network-relay.ts) so bytes on the wire can be counted and cut,
// and the firmware's own network (network/network.ts) on simulated airwaves with an SNTP server: the clock
// starts unset as a board's does, readings are recorded from power-on, and an outage takes the Wi-Fi away.
//
// Its identity comes from its credentials store (firmware/identity/, a partition image in its data
// directory), as the firmware's does: the device id is its certificate's CN, TLS reads the stored
// credentials, and the app renews the certificate over MQTT before it expires.
//
//   const device = await SimulatedDevice.start({ identity, broker, dataDir, light, ... });
//   device.snapshot()      // what the live view shows
//   await device.close()   // DISCONNECT, timers and sockets released; the outbox stays on disk
import { join } from "node:path";
import { Network } from "../firmware/network/network.js";
import type { DeviceIdentity } from "../firmware/identity/device-identity.js";
import type { RenewalEvent } from "../firmware/identity/renewal.js";
import { Airwaves, simulatedWiFiClass } from "../firmware/platform/simulated-wifi.js";
import { TelemetryApp } from "../firmware/telemetry/app.js";
import type { AppConfig } from "../firmware/telemetry/config.js";
import { deviceTopics } from "../firmware/telemetry/device-topics.js";
import { lightSource, type LightSetting } from "./device/light.js";
import { DeviceLink, type LinkCounts } from "./device/network-relay.js";
import { CountingClient, type ReadingCounts } from "./device/reading-counter.js";
import { SimulatedVitals } from "./device/simulated-sensors.js";
import { FileStorage } from "./platform/file-storage.js";
import { NodeClock } from "./platform/node-clock.js";
import { NodeSocket } from "./platform/node-socket.js";
import { nodeSigner } from "./platform/node-signer.js";
import { NodeUdp, nodeResolve } from "./platform/node-udp.js";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "no network" | "link down" | "closed";

export interface DeviceOptions {
  /** Who the device is: its credentials store, opened (the device id is the certificate's CN). */
  identity: DeviceIdentity;
  /** Renew the certificate this many days before it expires (default 30). */
  renewalMarginDays?: number;
  broker: { host: string; port: number };
  /** The outbox and the stored remote configuration live here (survives restarts). */
  dataDir: string;
  /** The SNTP server ("host:port") that sets the device's clock. */
  sntp: string;
  light: LightSetting;
  /** Seeds the synthetic pulse, so devices of a fleet differ. */
  seed?: number;
  /** Skin temperature the thermometer model sees, C. */
  temperature: number;
  /** The body-temperature chip on the board (default tmp117). */
  thermometer?: "tmp117" | "max30205";
  config: Partial<AppConfig>;
  /** An error the app reported (connection attempts, refusals, sensor faults); the device carries on. */
  onError?(error: Error): void;
  /** Readings were acknowledged, or the connection state changed. */
  onChange?(device: SimulatedDevice): void;
  /** A step of a certificate renewal. */
  onRenewal?(event: RenewalEvent, device: SimulatedDevice): void;
}

export interface DeviceSnapshot {
  deviceId: string;
  state: ConnectionState;
  /** Latest valid heart-rate estimate, bpm. */
  bpm?: number;
  /** Latest skin temperature, C. */
  temperature?: number;
  readings: ReadingCounts;
  wire: LinkCounts;
  /** Readings stored and not yet acknowledged. */
  outbox: number;
  /** Readings carried over in the outbox from before this start. */
  recovered: number;
  connects: number;
  lastError?: string;
  /** Seconds until an outage ends. */
  outageLeft?: number;
  /** The certificate in use: when it expires (ms since the epoch), and how many times it was renewed. */
  certificate: { expires: number; renewals: number };
}

export class SimulatedDevice {
  readonly deviceId: string;
  readonly app: TelemetryApp;
  readonly link: DeviceLink;
  readonly network: Network;
  readonly #airwaves = new Airwaves();
  #airwavesTimer: ReturnType<typeof setTimeout> | undefined;
  #vitals: SimulatedVitals;
  #client!: CountingClient;
  #state: ConnectionState = "connecting";
  #connects = 0;
  #lastError: string | undefined;
  #options: DeviceOptions;
  #released: (() => void) | undefined;

  private constructor(options: DeviceOptions, link: DeviceLink) {
    this.#options = options;
    this.deviceId = options.identity.deviceId;
    this.link = link;
    const clock = new NodeClock();
    clock.setWallTime(null); // a board powers on with its clock unset: SNTP sets it (or readings wait for it)
    this.#vitals = new SimulatedVitals({
      clock,
      light: lightSource(options.light, options.seed ?? 1),
      thermometer: options.thermometer,
      // A slow, small drift, so the value is alive without leaving the normal range.
      temperature: (s) => options.temperature + 0.1 * Math.sin((2 * Math.PI * s) / 600),
    });
    const telemetryTopic = deviceTopics(this.deviceId).telemetry;
    this.app = new TelemetryApp({
      deviceId: this.deviceId,
      clock,
      storage: new FileStorage(join(options.dataDir, this.deviceId)),
      sensors: this.#vitals.sources,
      config: options.config,
      waitForNetwork: true,
      mqtt: {
        Socket: NodeSocket,
        clock,
        // The device dials its link; TLS still checks the broker's name (the client passes host as SNI).
        brokers: [{ host: options.broker.host, port: link.address.port, address: link.address.address }],
        secure: options.identity.tls,
        cleanStart: true,
        keepAlive: 30,
        // Shorter than the firmware default cap (60 s) so a demo outage ends in a reconnect soon after.
        backoff: { base: 500, cap: 10_000 },
        onClose: () => this.#released?.(),
      },
      identity: { identity: options.identity, sign: nodeSigner, ...(options.renewalMarginDays !== undefined ? { marginDays: options.renewalMarginDays } : {}) },
      onRenewal: (event) => options.onRenewal?.(event, this),
      createClient: (mqttOptions) => (this.#client = new CountingClient(mqttOptions, telemetryTopic, () => this.#changed())),
      onConnect: () => {
        this.#connects++;
        this.#state = "connected";
        this.#lastError = undefined;
        this.#changed();
      },
      onDisconnect: (reason) => {
        this.#lastError = reason.message;
        this.#state = this.network.online ? "reconnecting" : "no network";
        this.#changed();
      },
      onError: (error) => {
        this.#lastError = error.message;
        if (this.#state !== "closed" && !this.app?.client.connected) this.#state = !this.network?.online ? "no network" : this.#connects > 0 ? "reconnecting" : "connecting";
        options.onError?.(error);
        this.#changed();
      },
    });
    const app = this.app;
    this.network = new Network({
      WiFi: simulatedWiFiClass({ airwaves: this.#airwaves, clock, associationMs: 300 }),
      networks: [{ ssid: "ward" }],
      clock,
      sntp: { UDP: NodeUdp, resolve: nodeResolve, servers: [options.sntp] },
      onOnline: (online) => {
        if (online && this.#state === "no network") this.#state = this.#connects > 0 ? "reconnecting" : "connecting";
        if (!online && this.#state !== "closed") this.#state = "no network";
        app.networkChanged(online);
        this.#changed();
      },
    });
  }

  static async start(options: DeviceOptions): Promise<SimulatedDevice> {
    // Outage start/end are changes the view shows.
    let device: SimulatedDevice | undefined;
    const link = await DeviceLink.open(options.broker, () => {
      if (device) options.onChange?.(device);
    });
    try {
      device = new SimulatedDevice(options, link);
    } catch (error) {
      await link.close();
      throw error;
    }
    device.#vitals.sink = device.app; // heart-rate estimates are pushed as they are made
    device.#vitals.start();
    device.app.start(); // recording from power-on
    device.network.start();
    return device;
  }

  snapshot(): DeviceSnapshot {
    const downFor = this.link.downFor;
    let state = this.#state;
    if (downFor > 0 && state !== "closed") state = "link down";
    else if (state === "connected" && !this.app.client.connected) state = "reconnecting";
    return {
      deviceId: this.deviceId,
      state,
      bpm: this.#vitals.bpm,
      temperature: this.#vitals.temperature,
      readings: { ...this.#client.counts },
      wire: { ...this.link.counts },
      outbox: this.app.outbox.count,
      recovered: this.app.outbox.recovery.records,
      connects: this.#connects,
      // The device only sees a reset; the link knows when the broker itself could not be reached.
      lastError: state !== "connected" && this.link.upstreamError ? this.link.upstreamError : this.#lastError,
      outageLeft: downFor > 0 ? Math.ceil(downFor / 1000) : undefined,
      certificate: { expires: this.#options.identity.notAfter, renewals: this.app.counters.certificate?.renewals ?? 0 },
    };
  }

  /** Takes the device's network away for `seconds`: the Wi-Fi goes out of range and the link is cut. */
  outage(seconds: number): void {
    this.#airwaves.nowhere();
    this.link.cut(seconds * 1000);
    if (this.#airwavesTimer) clearTimeout(this.#airwavesTimer);
    this.#airwavesTimer = setTimeout(() => this.#airwaves.everywhere(), seconds * 1000);
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    if (this.#airwavesTimer) clearTimeout(this.#airwavesTimer);
    this.network.close();
    this.#vitals.close();
    await new Promise<void>((resolve) => {
      // close() sends DISCONNECT; wait for the client to release its socket (bounded).
      const timer = setTimeout(resolve, 2_000);
      this.#released = () => {
        clearTimeout(timer);
        resolve();
      };
      this.app.close();
    });
    await this.link.close();
  }

  #changed(): void {
    this.#options.onChange?.(this);
  }
}
