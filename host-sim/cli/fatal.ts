// Which errors end the CLI: a TLS failure or a refused identity will not go away by retrying, so the
// process stops with one line saying why; a broker that is down or restarting, a cut link or a refused
// publish are what the device rides out (reconnect with backoff, outbox).
import { ConnackError } from "../../firmware/mqtt/client-errors.js";
import { TlsError } from "../../firmware/platform/tls-error.js";

/** Socket-level causes a TLS handshake failure may carry: the network, not TLS (the message ends "(CODE)"). */
const NETWORK = /\((ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)\)\s*$/;

/** CONNACK codes that refuse the identity: 3.1.1 section 3.2.2.3 (4, 5), 5.0 section 3.2.2.2 (0x86, 0x87, 0x8C). */
const AUTH_REFUSALS = new Set([4, 5, 0x86, 0x87, 0x8c]);

/** The one-line reason to stop for, or undefined when the error is one to ride out. */
export function fatalReason(error: Error): string | undefined {
  if (error instanceof TlsError) {
    if (error.code === "handshake-failure" && NETWORK.test(error.message)) return undefined;
    return error.message;
  }
  if (error instanceof ConnackError && error.reasonCode !== undefined && AUTH_REFUSALS.has(error.reasonCode)) {
    return `broker refused the connection: not authorised (CONNACK code ${error.reasonCode})`;
  }
  return undefined;
}
