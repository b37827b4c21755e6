// The telemetry app: sample -> store (outbox, on flash) -> batch -> publish QoS 1 -> PUBACK removes from the
// outbox. It composes four jobs, each in its own file:
//
//   sampling.ts       polled and pushed readings, from power-on -> plausibility -> resolution -> record()
//   record() here     the reading's time (reading-time.ts) -> outbox.append (durable first) -> alarms, batch
//   uplink.ts         batches from the outbox -> SenML -> devices/<id>/telemetry (QoS 1) -> outbox.ack
//   reports.ts        devices/<id>/status, retained (the will says "offline"); NEWS2 alerts at once
//   remote-config.ts  devices/<id>/config -> validated update (or devices/<id>/config/rejected), kept on storage
//   upload-schedule.ts  always connected, or the network up only for an upload every uploadPeriodMs (and at
//                     once for an alarm or a reading marked urgent)
//
// Nothing here waits for the network or the clock: readings are taken and stored from start(); they go when
// the network is up and the clock is set (networkChanged), with their true time.
import type { ReadingKind, VitalSink, VitalSource } from "../common/vital-signs.js";
import { MqttClient } from "../mqtt/client/client.js";
import { ClientError, MessageTooLargeError, PersistentFailureError } from "../mqtt/client/client-errors.js";
import type { ConnectInfo, MqttClientOptions } from "../mqtt/client/options.js";
import type { CallbackThis, Clock, Signer, Storage } from "../platform/ports.js";
import type { DeviceIdentity } from "../identity/device-identity.js";
import { CertificateRenewal, type RenewalEvent } from "../identity/renewal.js";
import { asError } from "../mqtt/common/as-error.js";
import { encodeUtf8 } from "../mqtt/common/utf8.js";
import { applyConfigUpdate, DEFAULT_CONFIG, MAX_INCOMING_PACKET_BYTES, type AppConfig } from "./config.js";
import { deviceTopics, type DeviceTopics } from "./device-topics.js";
import { Outbox } from "./outbox.js";
import { deviceBaseName } from "./payload.js";
import { encodeReading, READING_BYTES, type StoredReading } from "./reading.js";
import { ReadingTimes } from "./reading-time.js";
import { RemoteConfig, type ConfigTarget } from "./remote-config.js";
import { Reports } from "./reports.js";
import { Sampler, type ReadingStore } from "./sampling.js";
import { validatePack } from "./senml.js";
import { OFFLINE_STATUS, type StatusCounters } from "./status.js";
import { Uplink, type TelemetryClient, type UplinkOwner } from "./uplink.js";
import { UploadSchedule, type ScheduleOwner, type UplinkLink } from "./upload-schedule.js";

export type { TelemetryClient } from "./uplink.js";
export type { UplinkLink } from "./upload-schedule.js";

/** Client options the app does not set itself (it sets clientId, will and the connection callbacks). */
export type TelemetryMqttOptions = Omit<MqttClientOptions, "clientId" | "will" | "onConnect" | "onDisconnect" | "onMessage" | "onError">;

export interface TelemetryAppOptions {
  deviceId: string;
  /** First topic level(s) before the device id (default "devices"); see device-topics.ts. */
  topicPrefix?: string;
  /** Sampling, batching and reading times. */
  clock: Clock;
  storage: Storage;
  /** Polled sources; a kind without one can be pushed with offer(). */
  sensors: Partial<Record<ReadingKind, VitalSource>>;
  mqtt: TelemetryMqttOptions;
  /** Start-up configuration (a partial update over the defaults); a stored remote config overrides it. */
  config?: Partial<AppConfig>;
  /** The outbox's files and bound (outbox.ts). */
  outbox?: { name?: string; maxBytes?: number; segmentRecords?: number };
  /** SenML base name (default "<deviceId>/", see payload.ts). */
  baseName?: string;
  /**
   * Batches handed to the client and not yet acknowledged, at most (default 4). More would only wait in
   * the client's queue, costing heap on the device; the rest stays in the outbox until acks come back.
   */
  batchesInFlight?: number;
  /** The network is not there at start: the client waits for networkChanged(true) (the device's own
   *  network, network.ts). Default false: the platform's network is taken as given. */
  waitForNetwork?: boolean;
  /** The device's identity from its credentials store (its `tls` is the client's `secure`): the app then
   *  renews the certificate over MQTT before it expires (firmware/identity/renewal.ts). */
  identity?: { identity: DeviceIdentity; sign: Signer; marginDays?: number; forgetTlsSession?: () => void };
  /** A step of a certificate renewal. */
  onRenewal?(event: RenewalEvent): void;
  /** For tests: build the client from the options the app computed. */
  createClient?: (options: MqttClientOptions) => TelemetryClient;
  /** Anything that went wrong without stopping the app (sensor errors, refusals, storage errors). */
  onError?(error: Error): void;
  /** A configuration took effect (from storage at start, or from devices/<id>/config). */
  onConfig?(config: AppConfig): void;
  onConnect?(info: ConnectInfo): void;
  onDisconnect?(reason: Error): void;
  /** A reading was stored (on flash) as `seq`. */
  onStored?(seq: number, kind: ReadingKind, value: number): void;
}

/** The will's payload: made once, when the module is loaded (in flash on the device). */
const OFFLINE_PAYLOAD = encodeUtf8(OFFLINE_STATUS);

export class TelemetryApp implements VitalSink, ReadingStore, UplinkOwner, ConfigTarget, ScheduleOwner {
  readonly topics: DeviceTopics;
  readonly outbox: Outbox;
  /** The caller's callbacks (not its options object: nothing else of it is needed after construction). */
  readonly #connectCallback: ((info: ConnectInfo) => void) | undefined;
  readonly #onStored: ((seq: number, kind: ReadingKind, value: number) => void) | undefined;
  readonly #onConfig: ((config: AppConfig) => void) | undefined;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #waitForNetwork: boolean;
  readonly #times: ReadingTimes;
  readonly #sampler: Sampler;
  readonly #uplink: Uplink;
  readonly #reports: Reports;
  readonly #remoteConfig: RemoteConfig;
  readonly #renewal: CertificateRenewal | undefined;
  readonly #onRenewal: ((event: RenewalEvent) => void) | undefined;
  readonly #schedule: UploadSchedule;
  readonly #record: StoredReading = { kind: "hr", value: 0, boot: 0, ticks: 0 };
  readonly #bytes = new Uint8Array(READING_BYTES);
  #config: AppConfig;
  #discarded = 0;
  #untimed = 0;
  #persistentFailures = 0;
  #started = false;
  #closed = false;

  constructor(options: TelemetryAppOptions) {
    this.#connectCallback = options.onConnect;
    this.#onStored = options.onStored;
    this.#onConfig = options.onConfig;
    this.#onError = options.onError;
    this.#waitForNetwork = options.waitForNetwork ?? false;
    const clock = options.clock;
    this.topics = deviceTopics(options.deviceId, options.topicPrefix);
    const baseName = options.baseName ?? deviceBaseName(options.deviceId);
    validatePack([{ bn: baseName, n: "hr", v: 0 }]); // a bad base name fails here, not at every publish
    const initial = applyConfigUpdate(DEFAULT_CONFIG, options.config ?? {});
    if (!initial.ok) throw initial.error;
    const stored = RemoteConfig.stored(options.storage, initial.config, (error) => this.error(error));
    this.#config = stored ?? initial.config;
    if (stored) options.onConfig?.(stored);
    this.outbox = new Outbox({ storage: options.storage, recordBytes: READING_BYTES, ...options.outbox });
    this.#times = new ReadingTimes(clock, options.storage, this.outbox.bootSeq, this);
    const clientOptions: MqttClientOptions = {
      maximumPacketSize: MAX_INCOMING_PACKET_BYTES,
      ...options.mqtt,
      clientId: options.deviceId,
      // Retained, so whoever subscribes later sees "offline" (MQTT 3.1.2.5 Will Flag, 3.1.2.7 Will Retain).
      will: { topic: this.topics.status, payload: OFFLINE_PAYLOAD, qos: 1, retain: true },
      // Shared callbacks that find this app as their `target`, and the caller's handed on as it is: no
      // closures (each would cost RAM on the device for as long as the app runs).
      target: this,
      onConnect: TelemetryApp.#onConnect,
      onMessage: TelemetryApp.#onMessage,
      onError: TelemetryApp.#onClientError,
      onDisconnect: options.onDisconnect,
    };
    const client = options.createClient ? options.createClient(clientOptions) : new MqttClient(clientOptions);
    this.#uplink = new Uplink({
      clock: clock,
      topics: this.topics,
      baseName,
      outbox: this.outbox,
      times: this.#times,
      config: this.#config,
      client,
      owner: this,
      batchesInFlight: options.batchesInFlight,
      reading: this.#record,
    });
    this.#reports = new Reports(this.topics, this.#uplink, this, this.#config.thresholds);
    this.#remoteConfig = new RemoteConfig(this.topics, options.storage, this.#uplink, this);
    this.#onRenewal = options.onRenewal;
    const identity = options.identity;
    this.#renewal = identity && new CertificateRenewal({ ...identity, clock, owner: this });
    this.#schedule = new UploadSchedule(clock, this);
    this.#sampler = new Sampler({
      clock: clock,
      sensors: options.sensors,
      intervals: intervalsOf(this.#config),
      store: this,
    });
  }

  static #onConnect(this: CallbackThis, info: ConnectInfo): void {
    const app = this.target as TelemetryApp;
    app.#renewal?.connected(); // first: a renewed certificate that just connected is in this status
    app.#reports.status(true);
    app.#uplink.connectionUp();
    app.#schedule.progress();
    app.#connectCallback?.(info);
  }

  static #onMessage(this: CallbackThis, topic: string, payload: Uint8Array): void {
    const app = this.target as TelemetryApp;
    if (topic === app.topics.config) app.#remoteConfig.message(payload);
    else app.#renewal?.message(topic, payload);
  }

  static #onClientError(this: CallbackThis, error: Error): void {
    const app = this.target as TelemetryApp;
    if (error instanceof PersistentFailureError) app.#persistentFailures++;
    if (error instanceof MessageTooLargeError) app.#remoteConfig.tooLarge(error);
    app.#renewal?.failed(error);
    app.error(error);
  }

  get client(): TelemetryClient {
    return this.#uplink.client;
  }

  get config(): AppConfig {
    return this.#config;
  }

  get counters(): StatusCounters {
    return {
      drops: this.outbox.drops,
      faults: this.#sampler.faults,
      pending: this.outbox.count,
      untimed: this.#untimed,
      discarded: this.#discarded,
      persistentFailures: this.#persistentFailures,
      damaged: this.outbox.damaged,
      ...(this.#renewal ? { certificate: this.#renewal.status } : {}),
    };
  }

  /** The upload schedule (always connected, or cycles). */
  get schedule(): UploadSchedule {
    return this.#schedule;
  }

  /** Starts sampling at once, subscribes to the config topic and connects (or waits for the network). With
   *  `link`, the device's network port (network.ts on demand), the app asks for the network only while it
   *  uploads (uploadPeriodMs > 0), or for good (0). */
  start(link?: UplinkLink): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const client = this.#uplink.client;
    if (this.#waitForNetwork) client.networkChanged(false);
    // Queued until the connection is up; the client re-subscribes after a lost session itself.
    client.subscribe({ topicFilter: this.topics.config, qos: 1 }, undefined, (error, codes) => {
      if (error) {
        if (!(error instanceof ClientError && error.code === "client-closed")) this.error(error);
      } else if (codes[0] >= 0x80) this.error(new ClientError("invalid-argument", `subscription to ${this.topics.config} refused`, codes[0]));
    });
    this.#schedule.start(link);
    this.#sampler.start();
  }

  /** The device's network became usable (an address and a set clock), or stopped being. */
  networkChanged(online: boolean): void {
    this.#uplink.client.networkChanged(online);
  }

  /** Takes one reading from the polled source now (for tests and on-demand readings). */
  sample(kind: ReadingKind): void {
    this.#sampler.sample(kind);
  }

  /** A pushed reading (VitalSink): at most one per interval is kept (sampling.ts). */
  offer(kind: ReadingKind, value: number, ticks: number): void {
    this.#sampler.offer(kind, value, ticks);
  }

  /** Stops sampling, releases timers and closes the client. Stored readings stay in the outbox. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#schedule.close();
    this.#sampler.close();
    this.#uplink.close();
  }

  // ---- the jobs' owner ----------------------------------------------------------------------------

  /** ReadingStore: stores a reading taken at `ticks` (on flash before anything is published), alarms on it
   *  and hands it to the batcher; false when it could not be stored. */
  record(kind: ReadingKind, value: number, ticks: number): boolean {
    const r = this.#record;
    r.kind = kind;
    r.value = value;
    this.#times.stamp(r, ticks);
    let seq: number;
    try {
      seq = this.outbox.append(encodeReading(r, this.#bytes));
    } catch (error) {
      this.error(asError(error));
      return false;
    }
    const alarm = this.#reports.reading(kind, value, seq, this.#times.timeOf(r));
    this.#uplink.stored(seq, ticks);
    if (alarm || this.#config.urgent.includes(kind)) {
      if (!alarm) this.#uplink.flush(); // the reading itself goes now (an alert carries its own value)
      this.#schedule.urgent();
    }
    this.#onStored?.(seq, kind, value);
    return true;
  }

  /** ConfigTarget: a configuration takes effect. */
  apply(config: AppConfig): void {
    this.#config = config;
    this.#reports.configure(config.thresholds);
    this.#sampler.configure(intervalsOf(config));
    this.#uplink.configure(config);
    this.#schedule.configure();
    this.#onConfig?.(config);
  }

  delivered(): void {
    // Cycling, the status goes once, at the end of the upload ("sleeping", with every counter).
    if (this.#config.uploadPeriodMs === 0) this.#reports.status(false);
    this.#renewal?.delivered();
    this.#schedule.progress();
  }

  acked(): void {
    this.#schedule.progress();
  }

  // ---- the schedule's owner -----------------------------------------------------------------------

  get settled(): boolean {
    const client = this.#uplink.client;
    return client.connected && client.queued === 0 && client.inflight === 0 && this.#uplink.idle;
  }

  sleeping(nextUpload: number | undefined): void {
    this.#reports.sleeping(nextUpload);
  }

  connect(): void {
    this.#uplink.client.connect();
  }

  disconnect(done: (this: unknown) => void, target: unknown): void {
    this.#uplink.client.disconnect(done, target);
  }

  discarded(count: number): void {
    this.#discarded += count;
  }

  untimed(count: number): void {
    this.#untimed += count;
  }

  error(error: Error): void {
    this.#onError?.(error);
  }

  renewal(event: RenewalEvent): void {
    this.#onRenewal?.(event);
  }
}

function intervalsOf(config: AppConfig): Record<ReadingKind, number> {
  return { hr: config.hrIntervalMs, temp: config.tempIntervalMs };
}
