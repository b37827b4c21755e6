// Which errors end the CLI: a failure that retrying will not fix, so the process stops with one line saying
// why: the same TLS handshake failure several times in a row (the client's PersistentFailureError: a wrong
// certificate, a port that does not speak TLS) or a refused identity. A broker that is down or restarting,
// a cut link, a single failed handshake or a refused publish are what the device rides out (reconnect with
// backoff, outbox).
import { ConnackError, PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";

/** CONNACK codes that refuse the identity: 3.1.1 section 3.2.2.3 (4, 5), 5.0 section 3.2.2.2 (0x86, 0x87, 0x8C). */
const AUTH_REFUSALS = new Set([4, 5, 0x86, 0x87, 0x8c]);

/** The one-line reason to stop for, or undefined when the error is one to ride out. */
export function fatalReason(error: Error): string | undefined {
  if (error instanceof PersistentFailureError) return error.message;
  if (error instanceof ConnackError && error.reasonCode !== undefined && AUTH_REFUSALS.has(error.reasonCode)) {
    return `broker refused the connection: not authorised (CONNACK code ${error.reasonCode})`;
  }
  return undefined;
}
