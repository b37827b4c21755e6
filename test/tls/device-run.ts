// Shared by the TLS matrix and the secrets test: the device's MQTT client (firmware/mqtt/client/client.ts) over
// the host socket binding with a TLS profile, one connection attempt, a QoS 1 publish queued before it;
// and a hardened mosquitto behind a sniffing relay.

import { MqttClient } from "../../firmware/mqtt/client/client.js";
import type { MqttClientOptions } from "../../firmware/mqtt/client/options.js";
import type { TlsOptions } from "../../firmware/platform/ports.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { nodeSocketClass } from "../../host-sim/platform/node-socket.js";
import type { TlsProfile } from "../../host-sim/tls-profile.js";
import { publishAsync } from "../client/harness.js";
import { startIngest, type Ingest } from "../../support/ingest.js";
import { DEVICE_ID, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto, type MosquittoOptions } from "../../support/mosquitto.js";
import { startSniffer, type Sniffer } from "./sniffer.js";

export type Cleanups = (() => Promise<void> | void)[];

export const PASSWORD = "correct-horse-battery-staple";
export const TELEMETRY_TOPIC = `devices/${DEVICE_ID}/hr`;

export interface Setup {
  broker: Mosquitto;
  sniffer: Sniffer;
}

/** A hardened mosquitto (with changes) behind a sniffing relay; `plain` relays to its plain-text listener. */
export async function brokerBehindSniffer(
  pki: TestPki,
  cleanups: Cleanups,
  options: Partial<MosquittoOptions> = {},
  plain = false,
): Promise<Setup> {
  const broker = await startMosquitto({ tls: pki.brokerTls, ...options, plainListener: plain || options.plainListener });
  cleanups.push(() => broker.close());
  const sniffer = await startSniffer({ host: broker.host, port: plain ? broker.plainPort! : broker.port });
  cleanups.push(() => sniffer.close());
  return { broker, sniffer };
}

/** The socket class the device client uses on the host: the binding with the device clock and a profile. */
export function deviceSocketClass(clock: NodeClock, profile: TlsProfile = "device"): MqttClientOptions["Socket"] {
  return nodeSocketClass({ clock, tlsProfile: profile });
}

export interface Run {
  client: MqttClient;
  clock: NodeClock;
  connects: number;
  errors: Error[];
  /** Completion of the QoS 1 publish queued before connecting: "pending", "delivered" or the error. */
  publish: "pending" | "delivered" | Error;
  /** Resolves at the first CONNACK success or the first reported error. */
  settled: Promise<void>;
}

export interface RunOptions {
  secure?: TlsOptions;
  clock?: NodeClock;
  profile?: TlsProfile;
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
}

/** Start the device client (reconnect off: one attempt) with a QoS 1 publish queued before the attempt. */
export function runDevice(pki: TestPki, cleanups: Cleanups, port: number, options: RunOptions = {}): Run {
  const clock = options.clock ?? new NodeClock();
  let settle!: () => void;
  const run: Run = {
    client: undefined as unknown as MqttClient,
    clock,
    connects: 0,
    errors: [],
    publish: "pending",
    settled: new Promise<void>((resolve) => (settle = resolve)),
  };
  run.client = new MqttClient({
    Socket: deviceSocketClass(clock, options.profile),
    clock,
    random: () => 0.5,
    brokers: [{ host: "localhost", address: "127.0.0.1", port }],
    secure: options.secure ?? pki.deviceTls(),
    protocolVersion: options.protocolVersion ?? 4,
    clientId: DEVICE_ID,
    username: options.username,
    password: options.password,
    reconnect: false,
    connectTimeout: 20_000,
    onConnect: () => {
      run.connects++;
      settle();
    },
    onError: (error) => {
      run.errors.push(error);
      settle();
    },
  });
  cleanups.push(() => run.client.close());
  run.client.publish(TELEMETRY_TOPIC, "72", { qos: 1 }, (error) => {
    run.publish = error ?? "delivered";
  });
  run.client.connect();
  return run;
}

/** One QoS 1 publish; resolves with its outcome. */
export function publishAndWait(client: MqttClient, topic: string): Promise<Error | undefined> {
  return publishAsync(client, topic, "x", { qos: 1 });
}

/** The back end: the shared ingest subscriber (support/ingest.ts) on devices/+/#, closed at cleanup. */
export async function runIngest(pki: TestPki, cleanups: Cleanups, broker: Mosquitto): Promise<Ingest> {
  const ingest = await startIngest(pki, broker.port, "devices/+/#");
  cleanups.push(() => ingest.close());
  return ingest;
}
