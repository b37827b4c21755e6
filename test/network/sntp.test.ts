// SNTP (RFC 4330): the request's fields, which replies are taken (only an answer to this request: mode 4
// and our nonce echoed as Originate) and which refused (kiss-of-death, unsynchronised), the NTP era, and a
// round against a real SNTP server over real UDP, servers tried in turn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SntpError, sntpRequest, sntpServer, sntpTime } from "../../firmware/network/sntp.js";
import { TimeSync } from "../../firmware/network/time-sync.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeUdp, nodeResolve } from "../../host-sim/platform/node-udp.js";
import { startSntpServer, type SntpServer } from "../../host-sim/sntp-server.js";
import { thrown } from "../support/thrown.js";
import { until } from "../client/harness.js";

const NTP_TO_UNIX = 2_208_988_800;

function reply(fields: { li?: number; mode?: number; stratum?: number; originate?: [number, number]; seconds?: number; fraction?: number }): Uint8Array {
  const bytes = new Uint8Array(48);
  const view = new DataView(bytes.buffer);
  bytes[0] = ((fields.li ?? 0) << 6) | (4 << 3) | (fields.mode ?? 4);
  bytes[1] = fields.stratum ?? 2;
  const [high, low] = fields.originate ?? [0x11223344, 0x55667788];
  view.setUint32(24, high);
  view.setUint32(28, low);
  view.setUint32(40, fields.seconds ?? NTP_TO_UNIX + 1_800_000_000);
  view.setUint32(44, fields.fraction ?? 2 ** 31);
  return bytes;
}

describe("SNTP packets", () => {
  it("asks as an NTPv4 client with the nonce as Transmit Timestamp", () => {
    const request = sntpRequest(0x11223344, 0x55667788);
    expect(request).toHaveLength(48);
    expect(request[0]).toBe(0x23); // LI 0, VN 4, mode 3
    expect([...request.subarray(40)]).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    expect(request.subarray(1, 40).every((b) => b === 0)).toBe(true);
  });

  it("takes the server's Transmit Timestamp of a reply to this request, in Unix milliseconds", () => {
    expect(sntpTime(reply({}), 0x11223344, 0x55667788)).toBe(1_800_000_000_500);
  });

  it("ignores what is not a reply to this request: another nonce, a client's packet, a short datagram, no timestamp", () => {
    expect(sntpTime(reply({ originate: [1, 2] }), 0x11223344, 0x55667788)).toBeUndefined();
    expect(sntpTime(reply({ mode: 3 }), 0x11223344, 0x55667788)).toBeUndefined();
    expect(sntpTime(reply({}).subarray(0, 47), 0x11223344, 0x55667788)).toBeUndefined();
    expect(sntpTime(reply({ seconds: 0, fraction: 0 }), 0x11223344, 0x55667788)).toBeUndefined();
  });

  it("refuses a kiss-of-death and an unsynchronised server with typed errors", () => {
    expect(thrown(() => sntpTime(reply({ stratum: 0 }), 0x11223344, 0x55667788), SntpError).code).toBe("kiss-of-death");
    expect(thrown(() => sntpTime(reply({ li: 3 }), 0x11223344, 0x55667788), SntpError).code).toBe("unsynchronized");
  });

  it("reads timestamps past 2036 (NTP era 1)", () => {
    // Era 1 second 100 is 2^32 + 100 seconds after 1900.
    expect(sntpTime(reply({ seconds: 100, fraction: 0 }), 0x11223344, 0x55667788)).toBe((2 ** 32 + 100 - NTP_TO_UNIX) * 1000);
  });

  it("reads host and port", () => {
    expect(sntpServer("pool.ntp.org")).toEqual({ host: "pool.ntp.org", port: 123 });
    expect(sntpServer("127.0.0.1:10123")).toEqual({ host: "127.0.0.1", port: 10123 });
  });
});

describe("a round of SNTP over real UDP", () => {
  let server: SntpServer;
  beforeAll(async () => {
    server = await startSntpServer();
  });
  afterAll(() => server.close());

  function round(servers: string[]) {
    const outcome: { time?: number; error?: SntpError } = {};
    const sync = new TimeSync({
      UDP: NodeUdp,
      resolve: nodeResolve,
      clock: new NodeClock(),
      servers,
      timeoutMs: 200,
      onTime: (ms) => (outcome.time = ms),
      onFailed: (error) => (outcome.error = error),
    });
    sync.sync();
    return outcome;
  }

  it("gets the server's time", async () => {
    server.offsetMs = 86_400_000; // a day ahead, so the host's own clock cannot pass for the answer
    const outcome = round([`127.0.0.1:${server.port}`]);
    await until(() => outcome.time !== undefined || outcome.error !== undefined, "an outcome");
    expect(outcome.error).toBeUndefined();
    expect(Math.abs(outcome.time! - (Date.now() + 86_400_000))).toBeLessThan(1000);
  });

  it("tries the servers in turn: a silent one, a name that does not resolve, then one that answers", async () => {
    server.offsetMs = 0;
    const before = server.answered;
    const outcome = round(["127.0.0.1:9", "no-such-host.invalid", `localhost:${server.port}`]);
    await until(() => outcome.time !== undefined || outcome.error !== undefined, "an outcome", 10_000);
    expect(outcome.time).toBeDefined();
    expect(server.answered).toBe(before + 1);
  });

  it("fails the round with no-reply when every server is silent (blocked)", async () => {
    server.blocked = true;
    try {
      const outcome = round([`127.0.0.1:${server.port}`]);
      await until(() => outcome.time !== undefined || outcome.error !== undefined, "an outcome");
      expect(outcome.error).toBeInstanceOf(SntpError);
      expect(outcome.error?.code).toBe("no-reply");
    } finally {
      server.blocked = false;
    }
  });
});
