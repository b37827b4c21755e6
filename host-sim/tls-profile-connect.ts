// Open a TLS connection under a profile (host-sim/tls-profile.ts) and report it the way the device's
// socket does: either "secure" (chain, dates, name all accepted; nothing has been written yet) or one
// TlsError (TLS refused it) or NetworkError (refused or cut without an alert). The host socket binding calls this and only then signals onWritable.
//
//   const socket = connectTls(secure, { host, port, profile: "device", wallTime: clock.wallTime },
//     { onSecure: (s) => ..., onError: (e) => ... });

import { connect, type TLSSocket } from "node:tls";
import type { TlsOptions } from "../firmware/platform/ports.js";
import type { NetworkError } from "../firmware/mqtt/platform/network-error.js";
import type { TlsError } from "../firmware/mqtt/platform/tls-error.js";
import { checkServerCertificate, nodeTlsOptions, tlsErrorFrom, trackHandshake, type TlsContext } from "./tls-profile.js";

export interface TlsHandlers {
  /** Handshake done and the server accepted by the profile; the socket is ready for the first byte. */
  onSecure(socket: TLSSocket): void;
  /** The server gave a session this client may resume (ctx.session) on its next connection. */
  onSession?(session: Buffer): void;
  /** The connection could not be made secure. Called at most once, never after onSecure. */
  onError(error: TlsError | NetworkError): void;
}

/**
 * Returns the connecting socket, or undefined when the profile refused before connecting (a non-RSA
 * client key, an unset clock): then onError is called on a later tick, and no byte was sent.
 */
export function connectTls(secure: TlsOptions, ctx: TlsContext, handlers: TlsHandlers): TLSSocket | undefined {
  let options;
  try {
    options = nodeTlsOptions(secure, ctx);
  } catch (error) {
    queueMicrotask(() => handlers.onError(tlsErrorFrom(error as Error)));
    return undefined;
  }
  const socket = connect(options);
  const probe = trackHandshake(socket, options);
  let settled = false;
  const fail = (error: TlsError | NetworkError): void => {
    if (settled) return;
    settled = true;
    socket.destroy();
    handlers.onError(error);
  };
  const onHandshakeError = (error: Error): void => fail(tlsErrorFrom(error, probe));
  socket.once("error", onHandshakeError);
  if (handlers.onSession) socket.on("session", handlers.onSession);
  socket.once("secureConnect", () => {
    // A resumed session shows no certificate, and the device checks none: it was checked when the session
    // was made (the SDK's TLS verifies only in a full handshake).
    const refused = socket.isSessionReused() ? undefined : checkServerCertificate(socket, secure, ctx);
    if (refused) return fail(refused);
    if (settled) return;
    settled = true;
    // From here on, errors belong to the connection, not the handshake: the caller listens for them.
    socket.off("error", onHandshakeError);
    handlers.onSecure(socket);
  });
  return socket;
}
