// The ECMA-419 TCP socket (typings/embedded_io/socket/tcp.d.ts) and the SDK's TLS socket over it
// (examples/io/tcp/tlssocket, typings/embedded_io/socket/tls.d.ts), as used here.
declare module "embedded:io/socket/tcp" {
  export type Options = ({ address: string } | { host: string }) & {
    port: number;
    nodelay?: boolean;
    onReadable?: (this: TCP, bytes: number) => void;
    onWritable?: (this: TCP, bytes: number) => void;
    onError?: (this: TCP) => void;
    format?: "number" | "buffer";
  };
  export default class TCP {
    constructor(options: Options);
    read(byteLength?: number): number | ArrayBuffer;
    write(value: number | ArrayBuffer | ArrayBufferView): void;
    close(): void;
  }
}

declare module "embedded:io/socket/tcp/tls" {
  import type { Options as TCPOptions } from "embedded:io/socket/tcp";
  /** The TCP options plus the TLS ones: `host` is the server name for SNI and certificate checking,
   *  `secure` the SDK's TLS session options, `TCP.io` the socket class the TLS records travel over. */
  export type Options = TCPOptions & {
    host: string;
    secure: Record<string, unknown>;
    TCP: { io: unknown };
  };
  export default class TLSSocket {
    constructor(options: Options);
    close(): undefined;
    /** Everything decrypted so far (no argument), or undefined when nothing is waiting. */
    read(count?: number): undefined | ArrayBufferLike;
    /** Returns how many more bytes may be written now. */
    write(buffer: ArrayBufferLike | ArrayBufferView): number;
  }
}
