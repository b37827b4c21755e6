// The live view: on a terminal, one table redrawn in place; otherwise (a pipe, a log, CI) plain lines -
// one per device when its connection state changes and every few seconds. It shows only what the
// snapshots hold: values, counters, states and error messages, none of which carry key material.
import type { DeviceSnapshot } from "../device-sim.js";

export interface ViewHeader {
  /** e.g. "mqtts://localhost:8883 (embedded aedes)". */
  broker: string;
  /** Readings each device must have acknowledged before the run ends. */
  goal?: number;
}

/** At most this many device rows on a terminal; the total row covers the rest. */
const MAX_ROWS = 20;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

const fixed = (v: number | undefined, digits: number) => (v === undefined ? "-" : v.toFixed(digits));

/** One line for a log: key=value pairs, stable order, easy to grep. */
export function plainLine(s: DeviceSnapshot, now: Date): string {
  const parts = [
    now.toISOString(),
    s.deviceId,
    `state=${s.state.replace(" ", "-")}`,
    `hr=${fixed(s.bpm, 1)}`,
    `temp=${fixed(s.temperature, 2)}`,
    `published=${s.readings.published}`,
    `acked=${s.readings.acknowledged}`,
    `outbox=${s.outbox}`,
    `sent=${s.wire.sent}`,
    `received=${s.wire.received}`,
  ];
  if (s.outageLeft !== undefined) parts.push(`outage-left=${s.outageLeft}s`);
  if (s.state !== "connected" && s.lastError) parts.push(`last-error=${JSON.stringify(s.lastError)}`);
  return parts.join(" ");
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
}

/** The whole terminal frame, as lines. */
export function tableFrame(header: ViewHeader, snapshots: DeviceSnapshot[], now: Date): string[] {
  const widths = [14, 16, 7, 8, 10, 8, 7, 22];
  const lines = [
    `wearable host-sim  broker ${header.broker}  ${now.toISOString().slice(11, 19)} UTC  (Ctrl-C quits)`,
    header.goal === undefined ? "" : `until ${header.goal} readings per device are acknowledged`,
    row(["device", "connection", "HR bpm", "temp C", "published", "acked", "outbox", "wire sent / received"], widths),
  ];
  const state = (s: DeviceSnapshot) => (s.outageLeft !== undefined ? `${s.state} ${s.outageLeft}s` : s.state);
  for (const s of snapshots.slice(0, MAX_ROWS)) {
    lines.push(
      row(
        [s.deviceId, state(s), fixed(s.bpm, 1), fixed(s.temperature, 2), String(s.readings.published), String(s.readings.acknowledged),
          String(s.outbox), `${formatBytes(s.wire.sent)} / ${formatBytes(s.wire.received)}`],
        widths,
      ),
    );
  }
  if (snapshots.length > 1) {
    const sum = (f: (s: DeviceSnapshot) => number) => snapshots.reduce((a, s) => a + f(s), 0);
    const up = snapshots.filter((s) => s.state === "connected").length;
    lines.push(
      row(
        [`total (${snapshots.length})`, `${up} connected`, "", "", String(sum((s) => s.readings.published)), String(sum((s) => s.readings.acknowledged)),
          String(sum((s) => s.outbox)), `${formatBytes(sum((s) => s.wire.sent))} / ${formatBytes(sum((s) => s.wire.received))}`],
        widths,
      ),
    );
  }
  const troubled = snapshots.find((s) => s.state !== "connected" && s.lastError);
  lines.push(troubled ? `${troubled.deviceId}: ${troubled.lastError}` : "");
  return lines;
}

export interface ViewOutput {
  write(text: string): void;
  isTTY?: boolean;
  /** Terminal width: longer lines are cut, since a wrapped line would break the redraw in place. */
  columns?: number;
}

export class LiveView {
  #out: ViewOutput;
  #tty: boolean;
  #header: ViewHeader;
  #source: () => DeviceSnapshot[];
  #drawn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastStates = new Map<string, string>();
  #lastPlain = 0;
  #plainEveryMs: number;
  #poked: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { out: ViewOutput; tty: boolean; header: ViewHeader; snapshots: () => DeviceSnapshot[]; plainEveryMs?: number }) {
    this.#out = options.out;
    this.#tty = options.tty;
    this.#header = options.header;
    this.#source = options.snapshots;
    this.#plainEveryMs = options.plainEveryMs ?? 5_000;
  }

  start(): void {
    if (this.#tty) this.#out.write("\x1b[?25l"); // hide the cursor while redrawing
    this.update();
    this.#timer = setInterval(() => this.update(), this.#tty ? 500 : 1_000);
  }

  /** Something changed: update soon, at most once per 100 ms however many events arrive. */
  poke(): void {
    if (this.#poked || !this.#timer) return;
    this.#poked = setTimeout(() => {
      this.#poked = undefined;
      if (this.#timer) this.update();
    }, 100);
  }

  /** Redraw (terminal), or print the lines due (plain). */
  update(): void {
    const snapshots = this.#source();
    const now = new Date();
    if (this.#tty) {
      const width = this.#out.columns ? this.#out.columns - 1 : Infinity;
      const lines = tableFrame(this.#header, snapshots, now).map((l) => (l.length > width ? l.slice(0, width) : l));
      // Back to the top of the previous frame, then each line cleared and rewritten.
      const up = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : "";
      this.#out.write(up + lines.map((l) => `\x1b[2K${l}`).join("\n") + "\n");
      this.#drawn = lines.length;
      return;
    }
    const due = now.getTime() - this.#lastPlain >= this.#plainEveryMs;
    if (due) this.#lastPlain = now.getTime();
    for (const s of snapshots) {
      const changed = this.#lastStates.get(s.deviceId) !== s.state;
      this.#lastStates.set(s.deviceId, s.state);
      if (due || changed) this.#out.write(plainLine(s, now) + "\n");
    }
  }

  /** A last frame (or final lines), the cursor back. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#poked) clearTimeout(this.#poked);
    this.#timer = undefined;
    this.#poked = undefined;
    this.#lastPlain = 0;
    this.update();
    if (this.#tty) this.#out.write("\x1b[?25h");
  }
}
