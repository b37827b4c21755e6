// The app side of the wire bench: the real TelemetryApp with the real MQTT client and the host socket
// binding (TLS, device profile), through a counting relay to the broker. Sampling, batching and the
// client's timers run on a virtual clock that is advanced in steps, while the sockets are real: after
// each step the event loop runs until every PUBLISH handed to the client is acknowledged, so a reading's
// latency (sample -> PUBACK) is measured in simulated time and is the batching delay (the link's round
// trip would add the same to both designs). Heart rate is pushed as the device's sensor chain pushes it
// (an estimate per window step, stamped at the window's end on the sample grid, found by a later drain);
// temperature is polled by the app's timer. What the app's client sends (its CONNECT, subscription and
// publishes) is recorded, so MQTT.js can send the very same (same.ts).
import mqttPacket from "mqtt-packet";
import { MqttClient } from "../../firmware/mqtt/client/client.js";
import type { MqttClientOptions, PublishOptions } from "../../firmware/mqtt/client/options.js";
import type { ProtocolVersion } from "../../firmware/mqtt/codec/packets.js";
import type { Clock, TimerId, TlsOptions } from "../../firmware/platform/ports.js";
import { TelemetryApp, type TelemetryClient } from "../../firmware/telemetry/app.js";
import type { AppConfig } from "../../firmware/telemetry/config.js";
import { deviceTopics } from "../../firmware/telemetry/device-topics.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { nodeSocketClass } from "../../host-sim/platform/node-socket.js";
import { resolveSeqs } from "../../host-sim/senml-seq.js";
import { decodeCbor } from "../../support/cbor-decode.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { minus, recordTotals, until, type RunResult, type WireReading } from "./run-result.js";
import { startCountingRelay } from "./relay.js";
import { mqttTap, tappedSocketClass } from "./tap.js";

/** What the app's client did on the wire, for MQTT.js to do the same. */
export interface Session {
  connect: mqttPacket.IConnectPacket;
  subscriptions: string[];
  publishes: { topic: string; payload: Uint8Array; options: PublishOptions }[];
}

export interface OursOptions {
  broker: { host: string; port: number };
  secure: TlsOptions;
  deviceId: string;
  protocolVersion: ProtocolVersion;
  config: Partial<AppConfig>;
  /** Simulated sampling time, ms: durationMs / interval readings of each kind are taken. */
  durationMs: number;
  /** Wall-clock time at tick 0 (whole seconds keep the first base time an integer). */
  wallOrigin: number;
  /** Timers fire up to this many ms late (deterministic), as on a busy device; 0 = exact. */
  timerLatenessMs: number;
}

/**
 * A Clock whose timers fire late by a deterministic 0..maxLate ms (an ESP32 timer is never exact, so
 * reading times are not whole seconds), and which knows when its next timer is due.
 */
class LateClock implements Clock {
  #seed = 0x2545f491;
  constructor(
    readonly inner: VirtualClock,
    private readonly maxLate: number,
  ) {}
  ticks(): number {
    return this.inner.ticks();
  }
  wallTime(): number | undefined {
    return this.inner.wallTime();
  }
  setWallTime(milliseconds: number): void {
    this.inner.setWallTime(milliseconds);
  }
  set(callback: () => void, milliseconds: number): TimerId {
    return this.inner.set(callback, Math.max(0, milliseconds) + this.#late());
  }
  clear(id: TimerId): void {
    this.inner.clear(id);
  }
  /** When the earliest timer is due, or undefined when none is set. */
  nextAt(): number | undefined {
    return this.inner.nextAt();
  }
  #late(): number {
    if (this.maxLate <= 0) return 0;
    this.#seed = (Math.imul(this.#seed, 1103515245) + 12345) >>> 0;
    return this.#seed % (this.maxLate + 1);
  }
}

/**
 * Deterministic vitals: heart-rate estimates to 0.1 bpm, pushed every `hrStepMs` and stamped at the
 * window's end on the sample grid, while the drain that finds each runs late like every timer; temperature
 * in TMP117 steps (1/128 C), polled. The app rounds both to their resolution (precision.ts); the naive peer
 * sends them as they come. Each kind gives `limit[kind]` readings, then none (exactly the planned readings, whatever the
 * drift). `out` gets every reading in the order the app stores them (seq order).
 */
function vitals(clock: Clock, hrStepMs: number, limit: Record<WireReading["kind"], number>, out: WireReading[]) {
  const taken = { hr: 0, temp: 0 };
  const wallAt = (ticks: number) => clock.wallTime()! - (clock.ticks() - ticks);
  const take = (kind: WireReading["kind"], ticks: number): number | undefined => {
    if (taken[kind] >= limit[kind]) return undefined;
    const n = taken[kind]++;
    const v =
      kind === "hr"
        ? Math.round((72 + 6 * Math.sin(n / 9.5) + ((n * 7919) % 13) / 10) * 10) / 10
        : Math.round((36.6 + 0.3 * Math.sin(n / 9.7)) * 128) / 128;
    out.push({ kind, value: v, time: wallAt(ticks) });
    return v;
  };
  let app: TelemetryApp | undefined;
  let windowEnd = 0;
  const drain = (): void => {
    windowEnd += hrStepMs;
    const value = take("hr", windowEnd);
    if (value === undefined) return;
    app!.offer("hr", value, windowEnd);
    clock.set(drain, windowEnd + hrStepMs - clock.ticks());
  };
  return {
    sources: { temp: () => take("temp", clock.ticks()) },
    start(to: TelemetryApp) {
      app = to;
      windowEnd = clock.ticks();
      clock.set(drain, hrStepMs);
    },
    done: () => taken.hr >= limit.hr && taken.temp >= limit.temp,
  };
}

/** One run of the app: connect, sample for durationMs, drain the outbox, close. */
export async function runOurs(o: OursOptions): Promise<RunResult & { sampled: WireReading[]; simulatedMs: number; session: Session }> {
  const started = Date.now();
  const virtual = new VirtualClock(o.wallOrigin);
  const clock = new LateClock(virtual, o.timerLatenessMs);
  const relay = await startCountingRelay(o.broker);
  const sampled: WireReading[] = [];
  const topic = deviceTopics(o.deviceId).telemetry;
  let pending = 0;
  let publishes = 0;
  const acked = new Set<number>();
  const latencies: number[] = [];
  let failure: Error | undefined;
  const session: Partial<Session> & Pick<Session, "subscriptions" | "publishes"> = { subscriptions: [], publishes: [] };
  const parser = mqttPacket.parser({ protocolVersion: o.protocolVersion });
  parser.on("packet", (packet) => {
    if (packet.cmd === "connect") session.connect ??= packet;
  });
  const tap = mqttTap(o.protocolVersion === 5 ? 5 : 4, (packet) => {
    if (session.connect === undefined) parser.parse(Buffer.from(packet));
  });

  // The app's own client, watched: every PUBLISH's completion, and each telemetry batch's readings.
  const createClient = (options: MqttClientOptions): TelemetryClient => {
    const client = new MqttClient(options);
    return {
      get connected() {
        return client.connected;
      },
      get queued() {
        return client.queued;
      },
      get inflight() {
        return client.inflight;
      },
      connect: () => client.connect(),
      disconnect: (done, target) => client.disconnect(done, target),
      networkChanged: (available) => client.networkChanged(available),
      subscribe: (subs, opts, done) => {
        for (const s of Array.isArray(subs) ? subs : [subs]) session.subscriptions.push(typeof s === "string" ? s : s.topicFilter);
        client.subscribe(subs, opts, done);
      },
      close: () => client.close(),
      reconnect: () => client.reconnect(),
      unsubscribe: (filters) => client.unsubscribe(filters),
      publish(t: string, payload: Uint8Array | string, options?: PublishOptions, done?: (this: unknown, error?: Error) => void, target?: unknown) {
        const batch = t === topic && payload instanceof Uint8Array ? batchSeqs(payload) : [];
        client.publish(t, payload, options, (error) => {
          pending--;
          if (error) failure ??= error;
          else {
            const now = clock.wallTime()!;
            for (const seq of batch) {
              acked.add(seq);
              latencies.push(now - sampled[seq - 1].time); // from the sample itself, not its rounded time stamp
            }
          }
          done?.call(target, error);
        });
        session.publishes.push({ topic: t, payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload, options: options ?? {} });
        pending++; // after publish(): a QueueFullError throw is not a PUBLISH
        publishes++;
      },
    };
  };

  let setup: { up: number; down: number } | undefined;
  const limit = { hr: 0, temp: 0 }; // set from the app's effective configuration below
  const hrStepMs = o.config.hrIntervalMs ?? 1000;
  const sensors = vitals(clock, hrStepMs, limit, sampled);
  const app = new TelemetryApp({
    deviceId: o.deviceId,
    clock,
    storage: new MemoryStorage(),
    sensors: sensors.sources,
    config: o.config,
    mqtt: {
      Socket: tappedSocketClass(nodeSocketClass({ clock }), tap),
      clock,
      brokers: [{ host: "127.0.0.1", port: relay.port }],
      secure: o.secure,
      protocolVersion: o.protocolVersion,
      reconnect: false,
    },
    createClient,
    onConnect: () => {
      // Everything up to CONNACK has crossed the relay (it counts before forwarding); what the client
      // writes from here on has not reached it yet.
      setup ??= relay.total();
    },
    onDisconnect: (reason) => (failure ??= reason),
    onError: (error) => (failure ??= error),
  });
  limit.hr = Math.floor(o.durationMs / app.config.hrIntervalMs);
  limit.temp = Math.floor(o.durationMs / app.config.tempIntervalMs);
  const check = (): void => {
    if (failure) throw failure;
  };

  try {
    app.start();
    sensors.start(app);
    await until(() => setup !== undefined || failure !== undefined, "CONNACK");
    check();
    await until(() => pending === 0 || failure !== undefined, "status and subscription");
    // Timer by timer (sampling, batch age, keep alive), until every planned reading is acknowledged.
    while (!sensors.done() || app.outbox.count > 0) {
      const next = clock.nextAt();
      if (next === undefined || next > o.durationMs + 120_000) throw new Error("wire bench: readings still unacknowledged 2 min after sampling ended");
      virtual.advance(next - virtual.ticks());
      await new Promise((resolve) => setImmediate(resolve));
      await until(() => pending === 0 || failure !== undefined, "PUBACK");
      check();
    }
    const simulatedMs = virtual.ticks();
    const before = relay.total();
    app.close();
    await relay.idle();
    const total = relay.total();
    const first = relay.connections[0];
    if (relay.connections.length !== 1) throw new Error(`wire bench: ${relay.connections.length} connections (expected 1)`);
    if (acked.size !== sampled.length) throw new Error(`wire bench: ${acked.size} of ${sampled.length} readings acknowledged`);
    return {
      readings: acked.size,
      total,
      setup: setup!,
      teardown: minus(total, before),
      records: recordTotals(relay),
      mqtt: tap.bytes,
      publishes,
      maxLatencyMs: Math.max(...latencies),
      meanLatencyMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      tlsVersion: first.serverVersion,
      cipherSuite: first.cipherSuite,
      wallMs: Date.now() - started,
      simulatedMs,
      sampled,
      session: session as Session,
    };
  } finally {
    app.close();
    await relay.close();
  }
}

/** The seq of each reading in a SenML CBOR pack (a text key that carries over, see host-sim/senml-seq.ts). */
function batchSeqs(payload: Uint8Array): number[] {
  return resolveSeqs(decodeCbor(payload).value as Map<unknown, unknown>[]);
}
