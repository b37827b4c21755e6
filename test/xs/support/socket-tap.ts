// Wraps a host Socket class so a test can see and steer the MQTT stream of each connection: it parses
// what the client writes (plaintext, above TLS) with mqtt-packet, can withhold what the broker sends,
// and can cut a connection the way a dropped link does (the socket reports an error).
import mqttPacket from "mqtt-packet";
import type { BufferLike, Socket, SocketConstructor, SocketOptions } from "../../../firmware/platform/ports.js";

export class TappedConnection {
  /** Packets the client sent on this connection, parsed by mqtt-packet. */
  readonly sent: (mqttPacket.Packet & Record<string, unknown>)[] = [];
  /** Bytes from the broker that were withheld from the client. */
  withheld = 0;
  cut = false;
  private readonly parser: ReturnType<typeof mqttPacket.parser>;
  cutter: () => void = () => {};

  constructor(protocolVersion: 4 | 5) {
    this.parser = mqttPacket.parser({ protocolVersion });
    this.parser.on("packet", (packet) => this.sent.push(packet as mqttPacket.Packet & Record<string, unknown>));
    this.parser.on("error", (error) => {
      throw error;
    });
  }

  record(bytes: BufferLike): void {
    const view = ArrayBuffer.isView(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes);
    this.parser.parse(Buffer.from(view));
  }

  publishes(): (mqttPacket.IPublishPacket & Record<string, unknown>)[] {
    return this.sent.filter((p) => p.cmd === "publish") as (mqttPacket.IPublishPacket & Record<string, unknown>)[];
  }
}

export class SocketTap {
  readonly connections: TappedConnection[] = [];
  /** While true, bytes from the broker are read and dropped (the client never sees them). */
  holdIncoming = false;
  readonly Socket: SocketConstructor;

  constructor(inner: SocketConstructor, protocolVersion: 4 | 5 = 4) {
    const connections = this.connections;
    const holding = () => this.holdIncoming;
    this.Socket = class TappedSocket implements Socket {
      readonly #inner: Socket;
      readonly #connection: TappedConnection;

      constructor(options: SocketOptions) {
        const connection = new TappedConnection(protocolVersion);
        this.#connection = connection;
        connections.push(connection);
        const inner_ = new inner({
          ...options,
          onReadable: (count) => {
            if (!holding()) return options.onReadable?.(count);
            connection.withheld += inner_.read()?.byteLength ?? 0;
          },
          onWritable: (count) => options.onWritable?.(count),
          onError: (error) => {
            if (!connection.cut) options.onError?.(error);
          },
        });
        this.#inner = inner_;
        connection.cutter = () => {
          if (connection.cut) return;
          connection.cut = true;
          inner_.close();
          setImmediate(() => options.onError?.(new Error("link cut by the test")));
        };
      }

      read(): ArrayBuffer | undefined {
        return this.#inner.read();
      }

      write(bytes: BufferLike): number {
        this.#connection.record(bytes);
        return this.#inner.write(bytes);
      }

      close(): void {
        this.#inner.close();
      }
    };
  }

  get last(): TappedConnection {
    return this.connections[this.connections.length - 1];
  }

  cut(): void {
    this.last.cutter();
  }
}
