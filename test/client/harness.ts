// Shared test plumbing: a client wired to recorders, and a way to await what it reports.
import { MqttClient } from "../../firmware/mqtt/client.js";
import type { ConnectInfo, MqttClientOptions } from "../../firmware/mqtt/client-options.js";
import type { Publish } from "../../firmware/mqtt/packets.js";
import type { Clock } from "../../firmware/platform/ports.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";

export interface Recorded {
  connects: ConnectInfo[];
  disconnects: Error[];
  errors: Error[];
  messages: { topic: string; payload: Uint8Array; packet: Publish }[];
  closed: number;
}

export interface Harness {
  client: MqttClient;
  seen: Recorded;
  /** Resolves when `check` returns true (evaluated after every event and on a short poll). */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

export function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

export function makeClient(options: Partial<MqttClientOptions> & { port?: number; clock?: Clock }): Harness {
  const seen: Recorded = { connects: [], disconnects: [], errors: [], messages: [], closed: 0 };
  const client = new MqttClient({
    Socket: NodeSocket,
    clock: new NodeClock(),
    random: () => 0.5,
    brokers: [{ host: "127.0.0.1", port: options.port ?? 1883 }],
    clientId: "test-client",
    backoff: { base: 20, cap: 200 },
    ...options,
    onConnect: (info) => {
      seen.connects.push(info);
      options.onConnect?.(info);
    },
    onDisconnect: (reason) => {
      seen.disconnects.push(reason);
      options.onDisconnect?.(reason);
    },
    onError: (error) => {
      seen.errors.push(error);
      options.onError?.(error);
    },
    onMessage: (topic, payload, packet) => {
      seen.messages.push({ topic, payload, packet });
      options.onMessage?.(topic, payload, packet);
    },
    onClose: () => {
      seen.closed++;
    },
  });
  return { client, seen, until };
}

/** publish() with a Promise for its completion (tests only; the firmware uses callbacks). */
export function publishAsync(
  client: MqttClient,
  topic: string,
  payload: string | Uint8Array,
  options: Parameters<MqttClient["publish"]>[2],
): Promise<Error | undefined> {
  return new Promise((resolve) => client.publish(topic, payload, options, (error) => resolve(error)));
}

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8");
