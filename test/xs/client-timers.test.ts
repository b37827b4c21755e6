// The MQTT client's timers inside XS, on the host's virtual clock through the bridge, against the
// in-process loopback broker: PINGREQ after an idle keep alive interval, a dead link detected when no
// PINGRESP comes (ping-timeout), then a reconnect after the backoff.
import { afterEach, describe, expect, it } from "vitest";
import type { ClientStatus } from "../../host-sim/xs/entries/client.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { loopbackBroker } from "../../host-sim/xs/loopback-broker.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";

let xs: XsFirmware | undefined;
afterEach(async () => {
  await xs?.close();
  xs = undefined;
});

/** Move virtual time in 100 ms steps, letting XS handle each timer as it falls due. */
async function advance(clock: VirtualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await xs!.idle();
  }
}

describe("MQTT client timers in XS", () => {
  it("pings when idle, declares the link dead without PINGRESP, and reconnects after the backoff", async () => {
    const broker = loopbackBroker();
    const clock = new VirtualClock();
    xs = await XsFirmware.start({ entry: "host-sim/xs/entries/client.ts", ports: { Socket: broker.Socket, clock } });
    await xs.call("start", { brokers: [{ host: "broker.local", port: 1883 }], clientId: "wearable-001", keepAlive: 5, pingTimeout: 2000, backoff: { base: 1000, cap: 1000 } });
    await xs.call("until", "connects", 1);

    await advance(clock, 4900);
    expect(broker.stats.pings).toBe(0); // not before the keep alive interval
    await advance(clock, 200);
    expect(broker.stats.pings).toBe(1);
    await advance(clock, 5000);
    expect(broker.stats.pings).toBe(2); // answered: the link stays up and the next ping follows
    expect((await xs.call<ClientStatus>("status")).disconnects).toEqual([]);

    broker.behaviour.answerPings = false;
    await advance(clock, 5100); // third ping, unanswered
    expect(broker.stats.pings).toBe(3);
    await advance(clock, 2000);
    const status = await xs.call<ClientStatus>("status");
    expect(status.disconnects).toHaveLength(1);
    expect(status.disconnects[0]).toMatchObject({ code: "ping-timeout" });

    broker.behaviour.answerPings = true;
    await advance(clock, 2000);
    await xs.call("until", "connects", 2);
    expect(broker.stats.connections).toBe(2);
  });
});
