// An in-process MQTT broker behind the Socket port, for XS benchmarks: no network, no TLS, no timing.
// Every packet the client writes is parsed (mqtt-packet, independent of our codec) and answered at once
// (CONNACK, PUBACK, PUBREC/PUBCOMP, SUBACK, PINGRESP), so a run's packet flow - and therefore the
// engine's meters - is the same every time.
import mqttPacket from "mqtt-packet";
import type { BufferLike, Socket, SocketConstructor, SocketOptions } from "../../firmware/platform/ports.js";

export interface LoopbackStats {
  connections: number;
  publishes: number;
  pings: number;
  bytesIn: number;
}

/** What the broker does, changeable while it runs (e.g. to model a half-open link). */
export interface LoopbackBehaviour {
  /** Answer PINGREQ with PINGRESP (default true). */
  answerPings: boolean;
}

/** A Socket class whose every instance is a connection to its own loopback broker. */
export function loopbackBroker(window = 4096): { Socket: SocketConstructor; stats: LoopbackStats; behaviour: LoopbackBehaviour } {
  const stats: LoopbackStats = { connections: 0, publishes: 0, pings: 0, bytesIn: 0 };
  const behaviour: LoopbackBehaviour = { answerPings: true };

  class LoopbackSocket implements Socket {
    private readonly options: SocketOptions;
    private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
    private incoming: Buffer[] = [];
    private unread = 0;
    private protocolVersion: 4 | 5 = 4;
    private closed = false;

    constructor(options: SocketOptions) {
      this.options = options;
      stats.connections++;
      this.parser.on("packet", (packet) => this.answer(packet));
      this.parser.on("error", (error) => this.fail(error));
      queueMicrotask(() => !this.closed && options.onWritable?.(window));
    }

    read(): ArrayBuffer | undefined {
      if (this.unread === 0) return undefined;
      const all = Buffer.concat(this.incoming);
      this.incoming = [];
      this.unread = 0;
      return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
    }

    write(bytes: BufferLike): number {
      if (this.closed) throw new Error("loopback socket closed");
      const view = ArrayBuffer.isView(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes);
      if (view.length > window) throw new RangeError(`write of ${view.length} bytes exceeds the writable count ${window}`);
      stats.bytesIn += view.length;
      this.parser.parse(Buffer.from(view));
      // Delivered at once: the whole window is free again by the time the client hears of it.
      queueMicrotask(() => !this.closed && this.options.onWritable?.(window));
      return window - view.length;
    }

    close(): void {
      this.closed = true;
    }

    private answer(packet: mqttPacket.Packet): void {
      switch (packet.cmd) {
        case "connect":
          this.protocolVersion = packet.protocolVersion === 5 ? 5 : 4;
          return this.send({ cmd: "connack", returnCode: 0, reasonCode: 0, sessionPresent: false });
        case "publish":
          stats.publishes++;
          if (packet.qos === 1) return this.send({ cmd: "puback", messageId: packet.messageId });
          if (packet.qos === 2) return this.send({ cmd: "pubrec", messageId: packet.messageId });
          return;
        case "pubrel":
          return this.send({ cmd: "pubcomp", messageId: packet.messageId });
        case "subscribe":
          return this.send({ cmd: "suback", messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
        case "unsubscribe":
          return this.send({ cmd: "unsuback", messageId: packet.messageId });
        case "pingreq":
          stats.pings++;
          if (behaviour.answerPings) this.send({ cmd: "pingresp" });
          return;
        case "disconnect":
          this.closed = true;
          return;
      }
    }

    private send(packet: Record<string, unknown>): void {
      const bytes = mqttPacket.generate(packet as unknown as mqttPacket.Packet, { protocolVersion: this.protocolVersion });
      this.incoming.push(bytes);
      this.unread += bytes.length;
      const count = this.unread;
      queueMicrotask(() => !this.closed && this.options.onReadable?.(count));
    }

    private fail(error: Error): void {
      if (this.closed) return;
      this.closed = true;
      queueMicrotask(() => this.options.onError?.(error));
    }
  }

  return { Socket: LoopbackSocket, stats, behaviour };
}
