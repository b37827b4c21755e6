// The UDP port (ECMA-419 `embedded:io/socket/udp` shape, ports.ts UdpSocket) over node:dgram, and the
// name look-up port over node:dns (IPv4, as the device's Net.resolve answers).
import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { lookup } from "node:dns";
import type { BufferLike, Datagram, Resolve, UdpConstructor, UdpOptions, UdpSocket } from "../../firmware/platform/ports.js";

class NodeUdpSocket implements UdpSocket {
  readonly target: unknown;
  readonly #socket: DgramSocket;
  readonly #waiting: Datagram[] = [];
  #closed = false;

  constructor(options: UdpOptions) {
    this.target = options.target;
    this.#socket = createSocket("udp4");
    this.#socket.on("message", (message, from) => {
      if (this.#closed) return;
      const bytes = message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer;
      this.#waiting.push(Object.assign(bytes, { address: from.address, port: from.port }));
      options.onReadable?.call(this, this.#waiting.length);
    });
    this.#socket.on("error", () => undefined); // a datagram socket's errors are lost datagrams
    this.#socket.unref();
  }

  read(): Datagram | undefined {
    return this.#waiting.shift();
  }

  write(bytes: BufferLike, address: string, port: number): void {
    if (this.#closed) throw new Error("UDP socket closed");
    const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
    this.#socket.send(view, port, address);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}

export const NodeUdp: UdpConstructor = NodeUdpSocket;

export const nodeResolve: Resolve = (host, callback) => {
  lookup(host, { family: 4 }, (error, address) => callback(host, error ? undefined : address));
};
