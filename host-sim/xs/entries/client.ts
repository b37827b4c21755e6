// XS entry: the MQTT client on the forwarded socket and clock, driven from the host (tests, bench,
// sim:xs). The host awaits what the client reports through until(); publishes and their completions stay
// inside XS, so a batch of publishes costs one call.
import { MqttClient } from "../../../firmware/mqtt/client/client.js";
import type { ConnectInfo, MqttClientOptions } from "../../../firmware/mqtt/client/options.js";
import type { QoS } from "../../../firmware/mqtt/codec/packets.js";
import { CodedError } from "../../../firmware/mqtt/common/coded-error.js";
import { collectGarbage, expose } from "../runtime/host-channel.js";
import { XsSocket, xsClock } from "../runtime/ports.js";

/** The client options that can cross the bridge (no functions, no classes). */
export type ClientSettings = Omit<MqttClientOptions, "Socket" | "clock" | "random" | `on${string}`>;

export interface ReportedError {
  name: string;
  code?: string;
  message: string;
}

export interface ClientStatus {
  connected: boolean;
  queued: number;
  inflight: number;
  connects: Pick<ConnectInfo, "sessionPresent" | "reasonCode" | "clientId" | "keepAlive">[];
  disconnects: ReportedError[];
  errors: ReportedError[];
  messages: { topic: string; payload: ArrayBuffer; qos: number; retain: boolean }[];
  closed: number;
}

type Counted = "connects" | "disconnects" | "errors" | "messages" | "closed";

let client: MqttClient | undefined;
let status: ClientStatus = fresh();
const waiters: { kind: Counted; count: number; resolve: () => void }[] = [];

function fresh(): ClientStatus {
  return { connected: false, queued: 0, inflight: 0, connects: [], disconnects: [], errors: [], messages: [], closed: 0 };
}

function count(kind: Counted): number {
  return kind === "closed" ? status.closed : status[kind].length;
}

function report(error: Error): ReportedError {
  return { name: error.name, code: error instanceof CodedError ? error.code : undefined, message: error.message };
}

function wake(): void {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (count(waiters[i].kind) >= waiters[i].count) waiters.splice(i, 1)[0].resolve();
  }
}

expose({
  start(settings: ClientSettings) {
    status = fresh();
    client = new MqttClient({
      ...settings,
      Socket: XsSocket,
      clock: xsClock,
      random: () => 0.5,
      onConnect: (info) => {
        status.connects.push({ sessionPresent: info.sessionPresent, reasonCode: info.reasonCode, clientId: info.clientId, keepAlive: info.keepAlive });
        wake();
      },
      onDisconnect: (reason) => {
        status.disconnects.push(report(reason));
        wake();
      },
      onError: (error) => {
        status.errors.push(report(error));
        wake();
      },
      onMessage: (topic, payload, packet) => {
        status.messages.push({ topic, payload: payload.slice().buffer, qos: packet.qos, retain: packet.retain });
        wake();
      },
      onClose: () => {
        status.closed++;
        wake();
      },
    });
    client.connect();
  },

  /** Resolves once the client has reported `kind` at least `count` times in all. */
  until(kind: Counted, count: number) {
    return new Promise<void>((resolve) => {
      waiters.push({ kind, count, resolve });
      wake();
    });
  },

  /** Publish `count` messages with the same payload; resolves with each one's outcome (null = done). */
  publish(topic: string, payload: ArrayBuffer, qos: QoS, count = 1) {
    const bytes = new Uint8Array(payload);
    const outcomes: (ReportedError | null)[] = [];
    return new Promise<(ReportedError | null)[]>((resolve) => {
      for (let i = 0; i < count; i++) {
        client!.publish(topic, bytes, { qos }, (error) => {
          outcomes.push(error ? report(error) : null);
          if (outcomes.length === count) resolve(outcomes);
        });
      }
    });
  },

  /** Publish without keeping outcomes (bench: measures the client, not this bookkeeping). */
  publishMany(topic: string, payload: ArrayBuffer, qos: QoS, count: number) {
    const bytes = new Uint8Array(payload);
    let left = count;
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        if (error) reject(error);
        else if (--left === 0) resolve();
      };
      for (let i = 0; i < count; i++) client!.publish(topic, bytes, { qos }, done);
    });
  },

  subscribe(filter: string, qos: QoS) {
    return new Promise<number[]>((resolve, reject) =>
      client!.subscribe({ topicFilter: filter, qos }, undefined, (error, codes) => (error ? reject(error) : resolve(codes))),
    );
  },

  status(): ClientStatus {
    return { ...status, connected: client?.connected ?? false, queued: client?.queued ?? 0, inflight: client?.inflight ?? 0 };
  },

  /** Drop what the bookkeeping holds, so a heap measurement sees the client alone. */
  forget() {
    status = fresh();
    collectGarbage();
  },

  close() {
    const closing = new Promise<void>((resolve) => waiters.push({ kind: "closed", count: status.closed + 1, resolve }));
    client!.close();
    return closing;
  },
});
