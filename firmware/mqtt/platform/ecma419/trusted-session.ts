// The SDK's TLS session trusting every CA certificate of `secure` (a bundle of roots, e.g. a cloud broker's
// old and new root while it changes over): the session's options take one (`certificate`, ssl_cert.js), its
// certificate manager registers the others, and the server's chain is checked against each in turn. The SDK
// refuses to register a CA outside its validity by the device clock (it throws "date validation failed"):
// such a CA is left out while another is accepted; when none is, the first refusal is thrown, as the
// session alone would.
import type { TlsOptions } from "../../../platform/ports.js";
import type { TlsSession } from "./tcp-tls-socket.js";

/** `options` are the session's (sessionOptions() and any more); `secure` names the CA certificates. */
export function trustedSession(Session: new (options: Record<string, unknown>) => TlsSession, options: Record<string, unknown>, secure: TlsOptions): TlsSession {
  const all = secure.certificate;
  if (!Array.isArray(all) || all.length < 2) return new Session(options);
  let session: TlsSession | undefined;
  let refusal: unknown;
  let primary = 0;
  for (; primary < all.length && !session; primary++) {
    options.certificate = all[primary];
    try {
      session = new Session(options);
    } catch (error) {
      refusal ??= error;
    }
  }
  if (!session) throw refusal;
  const manager = session.certificateManager;
  for (let i = primary; i < all.length; i++) {
    try {
      manager?.register(all[i]);
    } catch {
      // Outside its validity: the others still count.
    }
  }
  return session;
}
