// One wearable for the energy bench, built as firmware/main.ts builds it, on the host's bindings: the sensor
// chain on the chip models (host-sim/device/simulated-sensors.ts), the TelemetryApp with the real MQTT client
// and its upload schedule, the firmware's network on demand on simulated airwaves (joining takes
// `associationMs`) with an SNTP server, the host's TLS socket (the device's TLS profile, resuming sessions as
// the device does), and a hardened mosquitto behind a counting relay that holds every chunk `latencyMs` each
// way (a link to a broker on the internet). Time is the bench's clock (bench-clock.ts): real while anything
// is in flight, jumping over the rest. The rig records what the radio did: each upload cycle's network
// request, association, TLS handshake (full or resumed, by the relay), connection and release.
import { Network } from "../../firmware/network/network.js";
import type { Socket, SocketConstructor, SocketOptions } from "../../firmware/platform/ports.js";
import { Airwaves, simulatedWiFiClass } from "../../firmware/platform/simulated-wifi.js";
import { TelemetryApp, type UplinkLink } from "../../firmware/telemetry/app.js";
import type { AppConfig } from "../../firmware/telemetry/config.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";
import { SimulatedVitals } from "../../host-sim/device/simulated-sensors.js";
import { nodeSocketClass } from "../../host-sim/platform/node-socket.js";
import { NodeUdp, nodeResolve } from "../../host-sim/platform/node-udp.js";
import { startSntpServer, type SntpServer } from "../../host-sim/sntp-server.js";
import { DEVICE_ID, type TestPki } from "../../support/certs.js";
import { startIngest, type Ingest } from "../../support/ingest.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { startCountingRelay, type CountingRelay, type Direction } from "../wire/relay.js";
import { BenchClock } from "./bench-clock.js";

/** One request of the network, in virtual ms: an upload cycle (always connected: one, for the whole run). */
export interface Cycle {
  request: number;
  /** Associated, with an address and the clock set. */
  online?: number;
  /** The TLS connection: opened, secure (first writable), closed; its index among the relay's connections. */
  opened?: number;
  secure?: number;
  closed?: number;
  connection?: number;
  release?: number;
}

export interface RigOptions {
  pki: TestPki;
  config: Partial<AppConfig>;
  /** One way, ms. */
  latencyMs: number;
  /** Wi-Fi association and DHCP, ms. */
  associationMs: number;
  /** The wearer's pulse, bpm, by seconds since power-on. */
  heartRate?: (seconds: number) => number;
}

/** Real ms without a chunk on the link after which nothing is taken to be in flight (the broker answers in
 *  well under this on the loopback). */
const QUIET_MS = 40;

export class Rig {
  readonly clock = new BenchClock();
  readonly cycles: Cycle[] = [];
  /** Every chunk on the link: virtual time, direction, bytes, connection. */
  readonly chunks: { t: number; direction: Direction; bytes: number; connection: number }[] = [];
  /** Alerts at the back end, with the virtual time they arrived. */
  readonly alerts: { t: number; payload: string }[] = [];
  /** Virtual time each reading was stored, by seq. */
  readonly storedAt: number[] = [];
  readonly errors: Error[] = [];
  /** One way, ms (the relay's). */
  readonly latencyMs: number;
  #lastChunk = 0;
  #socketsOpened = 0;
  #socketOpen = false;
  readonly #realStart = Date.now();
  app!: TelemetryApp;
  network!: Network;
  vitals!: SimulatedVitals;

  private constructor(
    readonly broker: Mosquitto,
    readonly relay: CountingRelay,
    readonly ingest: Ingest,
    readonly sntp: SntpServer,
    latencyMs: number,
  ) {
    this.latencyMs = latencyMs;
  }

  static async start(options: RigOptions): Promise<Rig> {
    const broker = await startMosquitto({ tls: options.pki.brokerTls, persistence: true });
    const chunks: { rig?: Rig } = {};
    const relay = await startCountingRelay(
      { host: "127.0.0.1", port: broker.port },
      { latencyMs: options.latencyMs, onChunk: (direction, bytes, connection) => chunks.rig?.chunk(direction, bytes, connection) },
    );
    const ingest = await startIngest(options.pki, broker.port, `devices/${DEVICE_ID}/#`);
    const sntp = await startSntpServer();
    const rig = new Rig(broker, relay, ingest, sntp, options.latencyMs);
    chunks.rig = rig;
    rig.build(options);
    return rig;
  }

  private build(options: RigOptions): void {
    const clock = this.clock;
    this.ingest.client.on("message", (topic, payload) => {
      if (topic.endsWith("/alerts")) this.alerts.push({ t: clock.ticks(), payload: payload.toString("utf8") });
    });
    const heartRate = options.heartRate ?? (() => 72);
    this.vitals = new SimulatedVitals({
      clock,
      light: new SyntheticPpg({ seed: 5, heartRate }),
      temperature: () => 36.4,
    });
    const Socket = watched(nodeSocketClass({ clock }), this);
    this.app = new TelemetryApp({
      deviceId: DEVICE_ID,
      clock,
      storage: new MemoryStorage(),
      sensors: this.vitals.sources,
      config: options.config,
      waitForNetwork: true,
      mqtt: {
        Socket,
        clock,
        brokers: [{ host: "localhost", port: this.relay.port, address: "127.0.0.1" }],
        secure: options.pki.deviceTls(),
        // As firmware/main.ts: the session outlives connections and upload cycles.
        cleanStart: false,
        keepAlive: 60,
      },
      onStored: (seq) => {
        this.storedAt[seq] = clock.ticks();
      },
      onError: (error) => this.errors.push(error),
    });
    const app = this.app;
    this.network = new Network({
      WiFi: simulatedWiFiClass({ airwaves: new Airwaves(), clock, associationMs: options.associationMs }),
      networks: [{ ssid: "ward" }],
      clock,
      sntp: { UDP: NodeUdp, resolve: nodeResolve, servers: [`127.0.0.1:${this.sntp.port}`] },
      onDemand: true,
      onOnline: (online) => {
        const cycle = this.cycles.at(-1);
        if (online && cycle && cycle.online === undefined) cycle.online = clock.ticks();
        app.networkChanged(online);
      },
    });
    const network = this.network;
    const link: UplinkLink = {
      request: () => {
        this.cycles.push({ request: clock.ticks() });
        network.request();
      },
      release: () => {
        network.release();
        const cycle = this.cycles.at(-1);
        if (cycle) cycle.release = clock.ticks();
      },
    };
    this.vitals.sink = app;
    this.vitals.start();
    app.start(link);
    network.start();
  }

  /** Runs the wearable until `ms` of its time since power-on. */
  run(ms: number): Promise<void> {
    return this.clock.runUntil(ms, () => this.busy());
  }

  /** Seconds of the wearable's time since power-on. */
  get seconds(): number {
    return this.clock.ticks() / 1000;
  }

  /** Something is in flight: a connection opening or closing, a packet unanswered, bytes in the link, SNTP. */
  busy(): boolean {
    // The SNTP server tells the wearable's own time (it runs ahead of the host's), so a resync keeps it.
    this.sntp.offsetMs = this.clock.ticks() - (Date.now() - this.#realStart);
    if (this.relay.pending() > 0 || performance.now() - this.#lastChunk < QUIET_MS) return true;
    const client = this.app.client;
    if (this.#socketOpen && !client.connected) return true;
    if (client.connected && (client.inflight > 0 || client.queued > 0)) return true;
    return this.network.up && !this.network.online;
  }

  socketOpened(): void {
    this.#socketOpen = true;
    const cycle = this.cycles.at(-1);
    if (cycle && cycle.opened === undefined) {
      cycle.opened = this.clock.ticks();
      cycle.connection = this.#socketsOpened;
    }
    this.#socketsOpened++;
  }

  socketWritable(): void {
    const cycle = this.cycles.at(-1);
    if (cycle && cycle.secure === undefined) cycle.secure = this.clock.ticks();
  }

  socketClosed(): void {
    if (!this.#socketOpen) return;
    this.#socketOpen = false;
    const cycle = this.cycles.at(-1);
    if (cycle && cycle.closed === undefined) cycle.closed = this.clock.ticks();
  }

  private chunk(direction: Direction, bytes: number, connection: number): void {
    this.#lastChunk = performance.now();
    this.chunks.push({ t: this.clock.ticks(), direction, bytes, connection });
  }

  async close(): Promise<void> {
    this.app.close();
    this.network.close();
    this.vitals.close();
    await this.ingest.close();
    await this.relay.close();
    await this.broker.close();
    await this.sntp.close();
  }
}

/** The Socket class, watched: when each connection opens, becomes secure (its first writable) and closes. */
function watched(Inner: SocketConstructor, rig: Rig): SocketConstructor {
  return class implements Socket {
    readonly #socket: Socket;
    constructor(options: SocketOptions) {
      rig.socketOpened();
      let secure = false;
      this.#socket = new Inner({
        ...options,
        onWritable(count) {
          if (!secure) {
            secure = true;
            rig.socketWritable();
          }
          options.onWritable?.call(this, count);
        },
        onError(error) {
          rig.socketClosed();
          options.onError?.call(this, error);
        },
      });
    }
    read(): ArrayBuffer | undefined {
      return this.#socket.read();
    }
    write(bytes: ArrayBuffer | ArrayBufferView): number {
      return this.#socket.write(bytes);
    }
    close(): void {
      rig.socketClosed();
      this.#socket.close();
    }
  };
}
