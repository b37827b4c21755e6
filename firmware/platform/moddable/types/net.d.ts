// The SDK's "net" module (typings/net.d.ts): DNS look-up before opening an ECMA-419 TCP socket.
declare module "net" {
  const Net: {
    get(what: "IP" | "MAC" | "SSID"): string;
    /** Asynchronous DNS look-up; `address` is undefined when the name cannot be resolved. */
    resolve(name: string, callback: (name: string, address?: string) => void): void;
  };
  export { Net as default };
}
