// A simulated device's network link: a loopback TCP relay between the device's socket and the broker.
// The device dials the relay's address while TLS still gets the broker's host name (SNI, SAN check),
// so everything end to end is unchanged; the relay sees the TLS records themselves, which makes its
// byte counts the bytes on the wire (handshakes, record overhead, MQTT), and lets an outage be a real
// one: cut() resets every connection and refuses new ones until the link comes back.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface LinkCounts {
  /** Bytes from the device towards the broker. */
  sent: number;
  /** Bytes from the broker towards the device. */
  received: number;
}

export class DeviceLink {
  readonly counts: LinkCounts = { sent: 0, received: 0 };
  readonly upstream: { host: string; port: number };
  /** Why the last attempt to reach the broker failed (DNS, refused...), until one succeeds. */
  upstreamError: string | undefined;
  #server: Server;
  #pairs = new Set<[Socket, Socket]>();
  #downUntil = 0;
  #upTimer: ReturnType<typeof setTimeout> | undefined;
  #onChange: () => void;

  private constructor(server: Server, upstream: { host: string; port: number }, onChange: () => void) {
    this.#server = server;
    this.upstream = upstream;
    this.#onChange = onChange;
    server.on("connection", (device) => this.#relay(device));
  }

  /** A relay on 127.0.0.1 (a free port) towards `upstream`. `onChange` hears about outages starting and ending. */
  static async open(upstream: { host: string; port: number }, onChange: () => void = () => {}): Promise<DeviceLink> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new DeviceLink(server, upstream, onChange);
  }

  /** Where the device dials. */
  get address(): { address: string; port: number } {
    return { address: "127.0.0.1", port: (this.#server.address() as { port: number }).port };
  }

  /** Milliseconds until the link is back, 0 when it is up. */
  get downFor(): number {
    return Math.max(0, this.#downUntil - Date.now());
  }

  /** Drops every connection now and refuses new ones for `ms`. */
  cut(ms: number): void {
    this.#downUntil = Math.max(this.#downUntil, Date.now() + ms);
    for (const [device, broker] of this.#pairs) {
      device.resetAndDestroy();
      broker.resetAndDestroy();
    }
    this.#pairs.clear();
    if (this.#upTimer) clearTimeout(this.#upTimer);
    this.#upTimer = setTimeout(() => {
      // The timer ends the outage (it may fire a millisecond before the deadline by Date.now()).
      this.#upTimer = undefined;
      this.#downUntil = 0;
      this.#onChange();
    }, this.downFor);
    this.#onChange();
  }

  /** Stops accepting; connections still open may finish (a DISCONNECT on its way) for up to `graceMs`. */
  async close(graceMs = 2_000): Promise<void> {
    if (this.#upTimer) clearTimeout(this.#upTimer);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    while (this.#pairs.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const [device, broker] of this.#pairs) {
      device.destroy();
      broker.destroy();
    }
    this.#pairs.clear();
    await closed;
  }

  #relay(device: Socket): void {
    if (this.downFor > 0) {
      device.resetAndDestroy(); // like a connection attempt into a dead network: it fails at once
      return;
    }
    device.pause(); // nothing goes anywhere until the broker side is connected
    const broker = connect(this.upstream);
    const pair: [Socket, Socket] = [device, broker];
    this.#pairs.add(pair);
    const end = (): void => {
      this.#pairs.delete(pair);
      // A reset on one side is passed on as a reset, so the device sees what it would see on a real link.
      device.destroy();
      broker.destroy();
    };
    let reached = false;
    broker.once("connect", () => {
      reached = true;
      this.upstreamError = undefined;
      device.resume();
    });
    // Backpressure passes through: a side that cannot take more pauses the other.
    device.on("data", (chunk: Buffer) => {
      this.counts.sent += chunk.length;
      if (!broker.write(chunk)) device.pause();
    });
    broker.on("data", (chunk: Buffer) => {
      this.counts.received += chunk.length;
      if (!device.write(chunk)) broker.pause();
    });
    broker.on("drain", () => device.resume());
    device.on("drain", () => broker.resume());
    device.on("end", () => broker.end());
    broker.on("end", () => device.end());
    device.on("close", end);
    broker.on("close", end);
    device.on("error", end);
    broker.on("error", (error: Error) => {
      if (!reached) this.upstreamError = `broker unreachable: ${error.message}`;
      this.#pairs.delete(pair);
      device.resetAndDestroy();
      broker.destroy();
    });
  }
}
