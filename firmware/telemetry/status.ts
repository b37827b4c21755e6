// The JSON documents the app publishes besides telemetry: the retained status (and the will that
// replaces it with "offline" when the connection dies without a DISCONNECT) and alerts.

import type { Alert } from "./news2.js";
import { SENML_NAMES } from "./payload.js";
import { wholeSecondMs } from "./precision.js";

/** Every counter but `pending` only grows (reports.ts tells a change by their sum). */
export interface StatusCounters {
  /** Readings the outbox dropped (oldest first) because it was full. */
  drops: number;
  /** Readings refused as sensor faults (implausible values, sensor errors). */
  faults: number;
  /** Readings waiting in the outbox. */
  pending: number;
  /** Readings of an earlier boot that never learned its clock, sent without a wall time (reading-time.ts). */
  untimed: number;
  /** Readings the broker refused or that could never fit a packet, discarded. */
  discarded: number;
  /** Times since start the broker refused this device the same way several attempts in a row (a TLS alert
   *  or certificate verdict, or a CONNACK refusal: a persistent failure; the device keeps trying, with a
   *  long backoff). */
  persistentFailures: number;
  /** Stretches of the outbox's storage found torn (a power loss mid-write) or damaged at a start; each lost
   *  one or more stored frames. */
  damaged: number;
  /** With an identity from the credentials store: the certificate in use expires at `expires` (seconds since
   *  the epoch), renewed `renewals` times since start (firmware/identity/renewal.ts). */
  certificate?: { expires: number; renewals: number };
}

/** Retained on devices/<id>/status after each connect. */
export function onlineStatus(counters: StatusCounters): string {
  return JSON.stringify({ state: "online", ...counters });
}

/** Retained on devices/<id>/status when a duty-cycled uplink goes down until its next upload: `nextUpload`
 *  in whole seconds since the epoch (left out when the clock is unknown). */
export function sleepingStatus(counters: StatusCounters, nextUpload: number | undefined): string {
  return JSON.stringify(nextUpload === undefined ? { state: "sleeping", ...counters } : { state: "sleeping", nextUpload: Math.round(nextUpload / 1000), ...counters });
}

/** The will's payload: what devices/<id>/status says after an unclean disconnect. */
export const OFFLINE_STATUS = '{"state":"offline"}';

/** An alert on devices/<id>/alerts; `time` in ms since the epoch when known (sent in whole seconds, as the
 *  reading's own record), `seq` the reading's. */
export function alertDocument(alert: Alert, seq: number, time: number | undefined): string {
  const doc: Record<string, unknown> = {
    n: SENML_NAMES[alert.kind].n,
    level: alert.level,
    v: alert.value,
    u: SENML_NAMES[alert.kind].u,
    news2: alert.score,
    threshold: alert.threshold,
    seq,
  };
  if (time !== undefined) doc.t = wholeSecondMs(time) / 1000;
  return JSON.stringify(doc);
}
