// The SDK's TLS client session (modules/crypt/ssl/session_419.js), which the SDK ships without typings: the
// mqtt manifest hands this file to mcconfig's TypeScript check as well.
declare module "ssl/alert" {
  /** The alert protocol (modules/crypt/ssl/ssl_alert.js), for session_419.js's doProtocol. */
  const alert: { readonly close_notify: number };
  export default alert;
}

declare module "ssl/session" {
  /** The options of modules/crypt/ssl/ssl_cert.js and session_419.js (serverName, certificate, ...). */
  export default class SSLSession {
    constructor(options: Record<string, unknown>);
    initiateHandshake(): void;
    handshake(socket: object): boolean;
    read(socket: object): Uint8Array | null | undefined;
    write(socket: object, bytes: ArrayBuffer | ArrayBufferView): number;
    alert?: { level: number; description: number };
  }
}
