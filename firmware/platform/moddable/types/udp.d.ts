// The ECMA-419 UDP socket (typings/embedded_io/socket/udp.d.ts in the SDK), as used here: datagrams read as
// ArrayBuffers carrying the sender's address and port.
declare module "embedded:io/socket/udp" {
  export default class UDP {
    constructor(options: { port?: number; target?: unknown; onReadable?: (this: UDP, count: number) => void });
    read(): (ArrayBuffer & { address: string; port: number }) | undefined;
    write(buffer: ArrayBuffer | ArrayBufferView, address: string, port: number): void;
    close(): void;
  }
}
