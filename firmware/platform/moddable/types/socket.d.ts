// The ECMA-419 TCP socket (typings/embedded_io/socket/tcp.d.ts), as used here.
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
