// The naive peer of the wire bench: MQTT.js as a naive publisher would use it: mqtts, MQTT 3.1.1 (its
// default), one JSON document per reading at QoS 1 on devices/<id>/telemetry. Each reading is published
// when the previous one's PUBACK is back, as at 1 Hz on a real link (so packets are never coalesced more
// than they would be in the field); its time is real, the bytes go through the same kind of relay.
// connectMqttJs is how both MQTT.js runs (this one and same.ts) connect: TLS as the device profile,
// the plaintext tapped.
import { connect as tlsConnect } from "node:tls";
import mqtt from "mqtt";
import { DEVICE_HANDSHAKE } from "../../host-sim/tls-profile.js";
import { minus, recordTotals, type RunResult, type WireReading } from "./run-result.js";
import { startCountingRelay, type CountingRelay } from "./relay.js";
import { mqttTap, tapStream, type MqttTap } from "./tap.js";

export interface PeerOptions {
  broker: { host: string; port: number };
  /** PEM. */
  tls: { ca: string; cert: string; key: string };
  deviceId: string;
  readings: WireReading[];
}

/** The naive document: device id, type name, unit word and ISO time in every message. */
export function naiveDocument(deviceId: string, reading: WireReading, seq: number): string {
  return JSON.stringify({
    deviceId,
    type: reading.kind === "hr" ? "heart_rate" : "body_temperature",
    value: reading.value,
    unit: reading.kind === "hr" ? "bpm" : "celsius",
    timestamp: new Date(reading.time).toISOString(),
    seq,
  });
}

/** MQTT.js connected through `relay` with the device's TLS (1.2, its suites and curve), plaintext to `tap`. */
export async function connectMqttJs(relay: CountingRelay, tls: PeerOptions["tls"], options: mqtt.IClientOptions, tap: MqttTap): Promise<mqtt.MqttClient> {
  const stream = () => tapStream(tlsConnect({ host: "127.0.0.1", port: relay.port, ca: tls.ca, cert: tls.cert, key: tls.key, ...DEVICE_HANDSHAKE }), tap);
  const client = new mqtt.MqttClient(stream, { reconnectPeriod: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return client;
}

/**
 * The measured part of an MQTT.js run, once connected (`setup`: the bytes so far): `count` publishes, each
 * when the previous one is acknowledged, timed; then the client closes and the run's totals are taken.
 */
export async function publishAndClose(
  run: { relay: CountingRelay; tap: MqttTap; client: mqtt.MqttClient; started: number; setup: { up: number; down: number }; readings: number },
  count: number,
  publish: (client: mqtt.MqttClient, i: number) => Promise<unknown>,
): Promise<RunResult> {
  const { relay, tap, client } = run;
  let max = 0;
  let sumLatency = 0;
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    await publish(client, i);
    const latency = performance.now() - sent;
    max = Math.max(max, latency);
    sumLatency += latency;
  }
  const before = relay.total();
  await client.endAsync();
  await relay.idle();
  const total = relay.total();
  const first = relay.connections[0];
  return {
    readings: run.readings,
    setup: run.setup,
    publishes: count,
    maxLatencyMs: max,
    meanLatencyMs: sumLatency / count,
    total,
    teardown: minus(total, before),
    records: recordTotals(relay),
    mqtt: tap.bytes,
    tlsVersion: first.serverVersion,
    cipherSuite: first.cipherSuite,
    wallMs: Date.now() - run.started,
  };
}

export async function runPeer(o: PeerOptions): Promise<RunResult> {
  const started = Date.now();
  const relay = await startCountingRelay(o.broker);
  const tap = mqttTap(4);
  let client: mqtt.MqttClient | undefined;
  try {
    client = await connectMqttJs(relay, o.tls, { protocolVersion: 4, clientId: o.deviceId, clean: true }, tap);
    const setup = relay.total(); // CONNACK has crossed the relay
    const topic = `devices/${o.deviceId}/telemetry`;
    const readings = o.readings;
    return await publishAndClose({ relay, tap, client, started, setup, readings: readings.length }, readings.length, (c, i) =>
      c.publishAsync(topic, naiveDocument(o.deviceId, readings[i], i + 1), { qos: 1 }),
    );
  } finally {
    client?.end(true);
    await relay.close();
  }
}
