// Fault injection through the proxy, against aedes (plain MQTT so the proxy can see packets): swallowed and
// delayed acks, stalls, cuts mid-packet, unreachable brokers. Real clock, short timeouts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startAedes, type AedesBroker } from "../../support/aedes.js";
import { ensureDevPki } from "../../support/certs.js";
import { FaultProxy } from "../support/proxy.js";
import { TestClients, publishAsync, until, type ClientOptions, type Harness } from "./harness.js";

let aedes: AedesBroker;
let proxy: FaultProxy;
const clients = new TestClients(() => ({ port: proxy.port }));

beforeAll(async () => {
  aedes = await startAedes(await ensureDevPki(), { plain: true });
});
afterAll(async () => {
  await aedes.close();
});
afterEach(async () => {
  clients.closeAll();
  await proxy.close();
});

async function through(options: ClientOptions = {}): Promise<Harness> {
  proxy = await FaultProxy.start({ host: "127.0.0.1", port: aedes.plainPort }, { mqtt: true });
  return clients.start({ cleanStart: false, ...options });
}

const PUBACK = 4;

describe("fault injection", () => {
  it("swallowed PUBACKs keep the publish in flight; after a cut it is resent and completes", async () => {
    const h = await through({ clientId: "f-swallow" });
    await until(() => h.seen.connects.length === 1, "connected");
    proxy.setRules([{ type: PUBACK, action: "swallow" }]);
    let result: Error | undefined | null = null;
    void publishAsync(h.client, "f/swallow", "m", { qos: 1 }).then((e) => (result = e));
    await until(() => aedes.published.some((p) => p.topic === "f/swallow"), "broker got it");
    await new Promise((r) => setTimeout(r, 100));
    expect(result).toBe(null);
    expect(h.client.inflight).toBe(1);
    proxy.setRules([]);
    proxy.cut();
    await until(() => result !== null, "completed after reconnect");
    expect(result).toBeUndefined();
    expect(aedes.published.filter((p) => p.topic === "f/swallow").length).toBeGreaterThanOrEqual(2); // resent
  });

  it("delayed PUBACKs fill the in-flight window but never exceed it", async () => {
    const h = await through({ clientId: "f-delay", inflight: 4 });
    await until(() => h.seen.connects.length === 1, "connected");
    proxy.setRules([{ type: PUBACK, action: 30 }]);
    let peak = 0;
    const done = Array.from({ length: 40 }, (_, i) =>
      publishAsync(h.client, "f/delay", `${i}`, { qos: 1 }).then((e) => {
        peak = Math.max(peak, h.client.inflight);
        return e;
      }),
    );
    const sampler = setInterval(() => (peak = Math.max(peak, h.client.inflight)), 2);
    const results = await Promise.all(done);
    clearInterval(sampler);
    expect(results.every((e) => e === undefined)).toBe(true);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });

  it("a stalled link is found dead by the ping timeout, closed and reconnected", async () => {
    const h = await through({ clientId: "f-stall", keepAlive: 1, pingTimeout: 400 });
    await until(() => h.seen.connects.length === 1, "connected");
    proxy.stall();
    await until(() => h.seen.disconnects.length === 1, "ping timeout", 10_000);
    expect(h.seen.disconnects[0]).toMatchObject({ code: "ping-timeout" });
    proxy.resume();
    await until(() => h.seen.connects.length === 2, "reconnected", 10_000);
  });

  it("a cut in the middle of a PUBLISH loses nothing: every QoS 1 message completes and reaches the broker", async () => {
    const h = await through({ clientId: "f-midcut" });
    await until(() => h.seen.connects.length === 1, "connected");
    const done: Promise<Error | undefined>[] = [];
    proxy.cutAfter("up", 1000 + 37); // ~15 publishes in, mid-packet
    for (let i = 0; i < 200; i++) done.push(publishAsync(h.client, "f/midcut", `msg-${i}-${"x".repeat(50)}`, { qos: 1 }));
    const results = await Promise.all(done);
    expect(results.every((e) => e === undefined)).toBe(true);
    expect(proxy.cuts).toBe(1);
    const got = new Set(aedes.published.filter((p) => p.topic === "f/midcut").map((p) => p.payload.toString()));
    expect(got.size).toBe(200);
  });

  it("a cut mid-packet broker->client is a lost connection, then reconnect", async () => {
    const h = await through({ clientId: "f-downcut" });
    await until(() => h.seen.connects.length === 1, "connected");
    proxy.cutAfter("down", 1);
    void publishAsync(h.client, "f/down", "x", { qos: 1 });
    await until(() => h.seen.disconnects.length === 1, "disconnected");
    await until(() => h.seen.connects.length === 2, "reconnected");
  });

  it("an unreachable broker (black-holed, then refused) times out, backs off, and connects once it is back", async () => {
    proxy = await FaultProxy.start({ host: "127.0.0.1", port: aedes.plainPort }, { mqtt: true });
    proxy.setMode("blackhole");
    const h = clients.start({ clientId: "f-down", connectTimeout: 300, backoff: { base: 50, cap: 200 } });
    await until(() => h.seen.errors.some((e) => (e as { code?: string }).code === "connect-timeout"), "connect timeout");
    proxy.setMode("refuse");
    const before = h.seen.errors.length;
    await until(() => h.seen.errors.length > before + 1, "refused attempts");
    expect(h.seen.connects).toHaveLength(0);
    proxy.setMode("forward");
    await until(() => h.seen.connects.length === 1, "connected once the broker is back", 10_000);
  });
});
