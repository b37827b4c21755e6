// What the device says about itself: the retained status on devices/<id>/status (published on connect and
// whenever a counter changes; the will replaces it with "offline") and NEWS2 alerts on devices/<id>/alerts,
// published at once, past the batching, when a vital enters or leaves an alarm band.
import type { ReadingKind } from "../common/vital-signs.js";
import type { DeviceTopics } from "./device-topics.js";
import { AlarmMonitor, type AlarmThresholds } from "./news2.js";
import { alertDocument, onlineStatus, sleepingStatus, type StatusCounters } from "./status.js";
import type { Publisher } from "./uplink.js";

export class Reports {
  readonly #topics: DeviceTopics;
  readonly #publisher: Publisher;
  readonly #source: { readonly counters: StatusCounters };
  readonly #alarms: AlarmMonitor;
  /** The counters last published, to publish only changes: `pending` goes up and down, the others only up,
   *  so their sum changes whenever one of them does (two numbers, not a copy of the document in RAM). */
  #lastPending = -1;
  #lastSum = -1;

  /** `source`: where the counters are read (the app). */
  constructor(topics: DeviceTopics, publisher: Publisher, source: { readonly counters: StatusCounters }, thresholds: AlarmThresholds) {
    this.#topics = topics;
    this.#publisher = publisher;
    this.#source = source;
    this.#alarms = new AlarmMonitor(thresholds);
  }

  configure(thresholds: AlarmThresholds): void {
    this.#alarms.configure(thresholds);
  }

  /** A stored reading: an alert at once when it enters (or leaves) an alarm band; true when it entered one
   *  (the uplink comes up for it). */
  reading(kind: ReadingKind, value: number, seq: number, time: number | undefined): boolean {
    const alert = this.#alarms.update(kind, value);
    if (!alert) return false;
    this.#publisher.publish(this.#topics.alerts, alertDocument(alert, seq, time), { qos: 1 });
    return alert.level !== "normal";
  }

  /** The uplink goes down until `nextUpload` (wall-clock ms, when known): retained, like the status. */
  sleeping(nextUpload: number | undefined): void {
    if (!this.#publisher.connected) return;
    this.#lastPending = -1;
    this.#publisher.publish(this.#topics.status, sleepingStatus(this.#source.counters, nextUpload), { qos: 1, retain: true });
  }

  /** The status, retained: on connect (`force`), else only when a counter changed. */
  status(force: boolean): void {
    if (!this.#publisher.connected) return;
    const counters = this.#source.counters;
    const sum = counters.drops + counters.faults + counters.untimed + counters.discarded + counters.persistentFailures + counters.damaged;
    if (!force && counters.pending === this.#lastPending && sum === this.#lastSum) return;
    this.#lastPending = counters.pending;
    this.#lastSum = sum;
    this.#publisher.publish(this.#topics.status, onlineStatus(counters), { qos: 1, retain: true });
  }
}
