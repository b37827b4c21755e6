// A scripted MQTT broker over plain TCP for byte-exact checks: it frames every packet the client sends
// (keeping the raw bytes), parses it with mqtt-packet (an independent codec), and sends whatever the test
// tells it to - well-formed packets through mqtt-packet, or raw bytes for malformed ones.
import { createServer, type Server, type Socket } from "node:net";
import mqttPacket from "mqtt-packet";
import { completePacketLength } from "../../support/mqtt-framing.js";

export interface Received {
  raw: Buffer;
  // mqtt-packet's packet object (cmd, messageId, dup, qos, topic, payload, properties...).
  packet: mqttPacket.Packet & Record<string, unknown>;
}

export class FakeConnection {
  readonly received: Received[] = [];
  private buffer = Buffer.alloc(0);
  private readonly parser: ReturnType<typeof mqttPacket.parser>;
  private waiters: (() => void)[] = [];
  private cursor = 0;
  closed = false;
  readonly closedPromise: Promise<void>;
  protocolVersion = 4;

  constructor(readonly socket: Socket) {
    this.parser = mqttPacket.parser({ protocolVersion: 5 });
    this.closedPromise = new Promise((resolve) => socket.once("close", () => {
      this.closed = true;
      this.wake();
      resolve();
    }));
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => this.data(chunk));
  }

  private data(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const total = completePacketLength(this.buffer);
      if (total === undefined) return;
      const raw = Buffer.from(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
      let parsed: (mqttPacket.Packet & Record<string, unknown>) | undefined;
      const onPacket = (p: mqttPacket.Packet): void => {
        parsed = p as mqttPacket.Packet & Record<string, unknown>;
      };
      const onError = (e: Error): void => {
        parsed = { cmd: "invalid", error: e } as unknown as mqttPacket.Packet & Record<string, unknown>;
      };
      this.parser.on("packet", onPacket);
      this.parser.on("error", onError);
      this.parser.parse(raw);
      this.parser.removeListener("packet", onPacket);
      this.parser.removeListener("error", onError);
      if (parsed && parsed.cmd === "connect") this.protocolVersion = (parsed.protocolVersion as number) ?? 4;
      this.received.push({ raw, packet: parsed ?? ({ cmd: "unparsed" } as never) });
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The next packet not yet consumed by next(), waiting for it if needed. `cmd` skips other types. */
  async next(cmd?: string, timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const r = this.received[this.cursor++];
        if (!cmd || r.packet.cmd === cmd) return r;
      }
      if (this.closed) throw new Error(`connection closed while waiting for ${cmd ?? "a packet"}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${cmd ?? "a packet"}; got ${this.received.map((r) => r.packet.cmd).join(",")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send a packet in mqtt-packet's object form, encoded for the connection's protocol version. */
  send(packet: Record<string, unknown>): void {
    this.sendRaw(mqttPacket.generate(packet as unknown as mqttPacket.Packet, { protocolVersion: this.protocolVersion }));
  }

  sendRaw(bytes: Uint8Array | number[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.from(bytes as Uint8Array));
  }

  /** CONNACK accepting the connection. */
  connack(sessionPresent = false, properties?: Record<string, unknown>): void {
    this.send(
      this.protocolVersion === 5
        ? { cmd: "connack", sessionPresent, reasonCode: 0, properties }
        : { cmd: "connack", sessionPresent, returnCode: 0 },
    );
  }

  /** Wait for CONNECT and accept it. */
  async accept(sessionPresent = false, properties?: Record<string, unknown>): Promise<Received> {
    const connect = await this.next("connect");
    this.connack(sessionPresent, properties);
    return connect;
  }

  destroy(): void {
    this.socket.destroy();
  }

  waitClosed(timeoutMs = 10_000): Promise<void> {
    return Promise.race([
      this.closedPromise,
      new Promise<void>((_, reject) => setTimeout(() => reject(new Error("connection not closed")), timeoutMs).unref()),
    ]);
  }
}

export class FakeBroker {
  readonly connections: FakeConnection[] = [];
  private waiters: (() => void)[] = [];
  private consumed = 0;

  private constructor(private readonly server: Server) {
    server.on("connection", (socket) => {
      this.connections.push(new FakeConnection(socket));
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  static async start(): Promise<FakeBroker> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new FakeBroker(server);
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** The next connection not yet returned by nextConnection(). */
  async nextConnection(timeoutMs = 10_000): Promise<FakeConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.connections.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a connection");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.connections[this.consumed++];
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
