// The device link: a relay that counts the bytes each way and can be cut for a while.
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DeviceLink } from "../../host-sim/device/network-relay.js";

let server: Server | undefined;
const links: DeviceLink[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) await l.close(0);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An upstream that answers every chunk with "ok:" + the chunk. */
async function echo(): Promise<number> {
  server = createServer((s) => {
    s.on("error", () => {}); // the relay resets it on a cut
    s.on("data", (d) => s.write(Buffer.concat([Buffer.from("ok:"), d])));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", () => resolve()));
  return (server.address() as { port: number }).port;
}

function dial(link: DeviceLink): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(link.address.port, link.address.address, () => resolve(s));
    s.once("error", reject);
  });
}

const next = (s: Socket) => new Promise<string>((resolve) => s.once("data", (d) => resolve(d.toString())));
const ended = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once("close", () => resolve())));

describe("device link", () => {
  it("relays both ways and counts the bytes", async () => {
    const link = await DeviceLink.open({ host: "127.0.0.1", port: await echo() });
    links.push(link);
    const s = await dial(link);
    s.write("hello");
    expect(await next(s)).toBe("ok:hello");
    expect(link.counts).toEqual({ sent: 5, received: 8 });
    s.destroy();
  });

  it("a cut ends the connections and refuses new ones until the outage is over", async () => {
    const changes: number[] = [];
    let backUp!: () => void;
    const up = new Promise<void>((resolve) => (backUp = resolve));
    const link = await DeviceLink.open({ host: "127.0.0.1", port: await echo() }, () => {
      changes.push(link.downFor);
      if (link.downFor === 0) backUp();
    });
    links.push(link);
    const s = await dial(link);
    s.on("error", () => {});
    s.write("a");
    await next(s);
    link.cut(300);
    await ended(s);
    expect(link.downFor).toBeGreaterThan(0);
    // During the outage a new connection is reset at once (at connect, or right after the accept).
    const refused = connect(link.address.port, link.address.address);
    refused.on("error", () => {});
    let got = "";
    refused.on("data", (d) => (got += d.toString()));
    refused.on("connect", () => refused.write("lost"));
    await ended(refused);
    expect(got).toBe("");
    // The link comes back by itself and says so.
    await up;
    expect(changes).toEqual([expect.any(Number), 0]);
    expect(changes[0]).toBeGreaterThan(0);
    const again = await dial(link);
    again.write("b");
    expect(await next(again)).toBe("ok:b");
    again.destroy();
  });

  it("says why the broker could not be reached", async () => {
    const port = await echo();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const link = await DeviceLink.open({ host: "127.0.0.1", port });
    links.push(link);
    const s = await dial(link);
    s.on("error", () => {});
    await ended(s);
    expect(link.upstreamError).toMatch(/^broker unreachable: connect ECONNREFUSED/);
  });
});
