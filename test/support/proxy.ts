// A fault-injecting TCP proxy between a client and a broker. Byte-level faults work for any stream
// (TLS included): cut now, cut after N more bytes (mid-packet / mid-record), stall, refuse or black-hole
// new connections. Over plain MQTT it also frames the broker->client stream, so tests can swallow or
// delay chosen packets (acks).
import { connect, createServer, type Server, type Socket } from "node:net";
import { completePacketLength } from "../../support/mqtt-framing.js";

export type Direction = "up" | "down"; // up: client -> broker, down: broker -> client

interface Pair {
  client: Socket;
  broker: Socket;
  downBuffer: Buffer;
}

export interface PacketRule {
  /** MQTT packet type (upper nibble of the first byte), e.g. 4 = PUBACK. */
  type: number;
  /** "swallow" drops the packet; a number delays it by that many ms (other packets pass it). */
  action: "swallow" | number;
}

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private mode: "forward" | "refuse" | "blackhole" = "forward";
  private stalled = false;
  private held: { pair: Pair; direction: Direction; data: Buffer }[] = [];
  private cutBudget: { direction: Direction; bytes: number } | undefined;
  private rules: PacketRule[] = [];
  /** Connections accepted so far. */
  accepted = 0;
  /** Cuts performed (cut() and cutAfter()). */
  cuts = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    private readonly mqtt: boolean,
  ) {
    server.on("connection", (client) => this.accept(client));
  }

  /** `mqtt: true` frames the broker->client stream as MQTT packets (plain MQTT only). */
  static async start(target: { host: string; port: number }, options: { mqtt?: boolean } = {}): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new FaultProxy(server, target, options.mqtt ?? false);
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** Retarget (e.g. after the broker restarted on another port). */
  setTarget(target: { host: string; port: number }): void {
    this.target.host = target.host;
    this.target.port = target.port;
  }

  /** Drop every live connection now. */
  cut(): void {
    for (const pair of this.pairs) this.destroy(pair);
    this.cuts++;
  }

  /** Forward `bytes` more bytes in `direction`, then cut (lands mid-packet unless it happens to align). */
  cutAfter(direction: Direction, bytes: number): void {
    this.cutBudget = { direction, bytes };
  }

  /** New connections are closed at once (refuse) or accepted and never answered (blackhole). */
  setMode(mode: "forward" | "refuse" | "blackhole"): void {
    this.mode = mode;
  }

  /** Hold all traffic in both directions (a link that silently stops), until resume(). */
  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const h of held) this.forward(h.pair, h.direction, h.data);
  }

  /** Swallow or delay broker->client packets of a type (needs `mqtt: true`). */
  setRules(rules: PacketRule[]): void {
    if (!this.mqtt && rules.length > 0) throw new Error("packet rules need an MQTT-framing proxy");
    this.rules = rules;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.destroy(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on("error", () => undefined);
    if (this.mode === "refuse") {
      client.destroy();
      return;
    }
    if (this.mode === "blackhole") {
      client.on("close", () => undefined);
      this.pairs.add({ client, broker: client, downBuffer: Buffer.alloc(0) });
      return;
    }
    const broker = connect(this.target.port, this.target.host);
    broker.setNoDelay(true);
    client.setNoDelay(true);
    const pair: Pair = { client, broker, downBuffer: Buffer.alloc(0) };
    this.pairs.add(pair);
    broker.on("error", () => undefined);
    client.on("data", (data: Buffer) => this.forward(pair, "up", data));
    broker.on("data", (data: Buffer) => this.forward(pair, "down", data));
    client.on("close", () => this.destroy(pair));
    broker.on("close", () => this.destroy(pair));
  }

  private destroy(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.broker.destroy();
  }

  private forward(pair: Pair, direction: Direction, data: Buffer): void {
    if (!this.pairs.has(pair)) return;
    if (this.stalled) {
      this.held.push({ pair, direction, data });
      return;
    }
    const budget = this.cutBudget;
    if (budget && budget.direction === direction) {
      if (data.length >= budget.bytes) {
        this.cutBudget = undefined;
        this.write(pair, direction, data.subarray(0, budget.bytes));
        this.cuts++;
        // Forward nothing more on this pair, but let the partial bytes leave before the sockets go.
        this.pairs.delete(pair);
        setTimeout(() => {
          pair.client.destroy();
          pair.broker.destroy();
        }, 10);
        return;
      }
      budget.bytes -= data.length;
    }
    // Frame while rules apply, and until a packet framed under them has been passed on whole.
    if (direction === "down" && this.mqtt && (this.rules.length > 0 || pair.downBuffer.length > 0)) this.filterDown(pair, data);
    else this.write(pair, direction, data);
  }

  private write(pair: Pair, direction: Direction, data: Buffer): void {
    const to = direction === "up" ? pair.broker : pair.client;
    if (!to.destroyed) to.write(data);
  }

  /** Frame broker->client MQTT packets and apply the rules. */
  private filterDown(pair: Pair, data: Buffer): void {
    pair.downBuffer = Buffer.concat([pair.downBuffer, data]);
    for (;;) {
      const buffer = pair.downBuffer;
      const total = completePacketLength(buffer);
      if (total === undefined) return;
      const packet = Buffer.from(buffer.subarray(0, total));
      pair.downBuffer = buffer.subarray(total);
      const rule = this.rules.find((r) => r.type === packet[0] >> 4);
      if (!rule) this.write(pair, "down", packet);
      else if (typeof rule.action === "number") setTimeout(() => this.pairs.has(pair) && this.write(pair, "down", packet), rule.action);
      else {
        // swallowed
      }
    }
  }
}
