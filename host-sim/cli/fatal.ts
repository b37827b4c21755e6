// Which errors end the CLI: a failure that retrying will not fix, so the process stops with one line saying
// why: the broker refusing this device the same way several times in a row (the client's
// PersistentFailureError: a wrong certificate, a revoked identity), or a CONNACK that refuses the identity
// (the client's own rule, mqtt/client/reconnect.ts). A broker that is down or restarting, a cut link or a
// port that cuts every handshake, a single failed handshake or a refused publish are what the device rides
// out (reconnect with backoff, outbox), however long.
import { ConnackError, PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";
import { refusalKey } from "../../firmware/mqtt/client/reconnect.js";

/** The one-line reason to stop for, or undefined when the error is one to ride out. */
export function fatalReason(error: Error): string | undefined {
  if (error instanceof PersistentFailureError) return error.message;
  if (error instanceof ConnackError && refusalKey(error) !== undefined) {
    return `broker refused the connection: not authorised (CONNACK code ${error.returnCode})`;
  }
  return undefined;
}
