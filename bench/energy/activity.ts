// What a run of the wearable did, measured (rig.ts), and the same extended to a day by its schedule.
//
// Per upload cycle, from the rig's timestamps (virtual seconds): connect = network requested -> online
// (association, DHCP, SNTP when due); TLS = socket opened -> secure (its round trips on the link); transfer =
// secure -> connection closed (CONNECT, the batches and their acknowledgements, the status, DISCONNECT and
// the broker's close); idle = the rest of the time the network was requested. Bytes each way from the relay,
// the handshake's (handshake and ChangeCipherSpec records) apart. Always connected, the one connection's
// transfer is the bursts of chunks on the link (a burst ends when the link is quiet for BURST_GAP_S; it lasts
// until its last chunk has crossed).
//
// To a day: an upload every period, so 86 400 / period cycles, each as the measured steady cycles (the first,
// at power-on, is left out: it sets the clock); of their handshakes, one in SESSION_LIFETIME_S is full (the
// broker forgets a session after that: OpenSSL's default, which mosquitto keeps, docs/device.md) and the rest
// resume. Wake-ups, sensor time and XS work scale with time.
import { handshakeBytes, type ConnectionCount } from "../wire/relay.js";
import type { Cycle, Rig } from "./rig.js";

/** How long the broker keeps a TLS session for resumption: OpenSSL's default session timeout, 7 200 s
 *  (tls1_default_timeout; mosquitto sets none). */
export const SESSION_LIFETIME_S = 7200;
const DAY_S = 86_400;
const BURST_GAP_S = 0.2;

export interface Handshake {
  /** Round-trip time spent on the link, s (opened -> secure). */
  linkS: number;
  /** Bytes of handshake and ChangeCipherSpec records, each way. */
  up: number;
  down: number;
  flights: number;
}

/** A day of activity, and how it was obtained. */
export interface DayActivity {
  label: string;
  /** Upload period, s; 0: always connected. */
  periodS: number;
  /** Simulated seconds run, and cycles measured (steady ones). */
  ranS: number;
  cycles: number;
  /** Radio on, s a day, by phase; `tlsS` is the link's share of the handshakes (their round trips). */
  connectS: number;
  tlsS: number;
  transferS: number;
  idleS: number;
  handshakes: { full: number; resumed: number };
  /** Bytes a day each way (up: device -> broker), handshakes included. */
  up: number;
  down: number;
  wakeups: number;
}

/** The handshake of one relay connection. */
export function handshakeOf(cycle: Cycle, connection: ConnectionCount): Handshake {
  return {
    linkS: ((cycle.secure ?? 0) - (cycle.opened ?? 0)) / 1000,
    up: handshakeBytes(connection.upRecords),
    down: handshakeBytes(connection.downRecords),
    flights: connection.flights,
  };
}

const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** The full and resumed handshakes the run saw (the relay tells them apart). */
export function handshakes(rig: Rig): { full: Handshake[]; resumed: Handshake[] } {
  const out = { full: [] as Handshake[], resumed: [] as Handshake[] };
  for (const cycle of rig.cycles) {
    if (cycle.connection === undefined || cycle.secure === undefined) continue;
    const connection = rig.relay.connections[cycle.connection];
    (connection.resumed ? out.resumed : out.full).push(handshakeOf(cycle, connection));
  }
  return out;
}

/** The mean of some handshakes. */
export function meanHandshake(list: Handshake[]): Handshake {
  if (list.length === 0) throw new Error("no handshake of this kind was measured");
  return { linkS: mean(list.map((h) => h.linkS)), up: mean(list.map((h) => h.up)), down: mean(list.map((h) => h.down)), flights: mean(list.map((h) => h.flights)) };
}

/** Bytes of one connection each way, its handshake left out. */
function afterHandshake(connection: ConnectionCount, direction: "up" | "down"): number {
  const records = direction === "up" ? connection.upRecords : connection.downRecords;
  return connection[direction] - handshakeBytes(records);
}

/** A duty-cycled run extended to a day, with the handshakes measured (`resumption` false: every one full). */
export function dutyDay(label: string, rig: Rig, periodS: number, full: Handshake, resumed: Handshake, resumption = true): DayActivity {
  const steady = rig.cycles.slice(1).filter((c) => c.release !== undefined && c.closed !== undefined && c.secure !== undefined);
  if (steady.length === 0) throw new Error(`${label}: no complete upload cycle after the first`);
  const s = (a: number | undefined, b: number | undefined) => ((a ?? 0) - (b ?? 0)) / 1000;
  const connect = mean(steady.map((c) => s(c.online, c.request)));
  const transfer = mean(steady.map((c) => s(c.closed, c.secure)));
  const idle = mean(steady.map((c) => s(c.release, c.request) - s(c.online, c.request) - s(c.secure, c.opened) - s(c.closed, c.secure)));
  const connections = steady.map((c) => rig.relay.connections[c.connection ?? -1]);
  const cycles = DAY_S / periodS;
  const fullCount = resumption ? Math.min(cycles, Math.ceil(DAY_S / SESSION_LIFETIME_S)) : cycles;
  const day = { full: fullCount, resumed: cycles - fullCount };
  return {
    label,
    periodS,
    ranS: rig.seconds,
    cycles: steady.length,
    connectS: cycles * connect,
    tlsS: day.full * full.linkS + day.resumed * resumed.linkS,
    transferS: cycles * transfer,
    idleS: cycles * idle,
    handshakes: day,
    up: cycles * mean(connections.map((c) => afterHandshake(c, "up"))) + day.full * full.up + day.resumed * resumed.up,
    down: cycles * mean(connections.map((c) => afterHandshake(c, "down"))) + day.full * full.down + day.resumed * resumed.down,
    wakeups: (rig.clock.wakeups / rig.seconds) * DAY_S,
  };
}

/** An always-connected run extended to a day: one connection (one full handshake), the transfers as the
 *  bursts on the link, associated in between. */
export function alwaysDay(label: string, rig: Rig, full: Handshake): DayActivity {
  const cycle = rig.cycles[0];
  if (!cycle || cycle.secure === undefined || cycle.connection === undefined) throw new Error(`${label}: never connected`);
  const since = cycle.secure;
  const chunks = rig.chunks.filter((c) => c.connection === cycle.connection && c.t >= since);
  let transferMs = 0;
  let start = -1;
  let end = -1;
  for (const c of chunks) {
    if (start < 0 || c.t - end > BURST_GAP_S * 1000) {
      if (start >= 0) transferMs += end - start;
      start = c.t;
    }
    end = c.t + rig.latencyMs;
  }
  if (start >= 0) transferMs += end - start;
  const ranS = (rig.clock.ticks() - since) / 1000;
  const perDay = DAY_S / ranS;
  const connection = rig.relay.connections[cycle.connection];
  const transferS = (transferMs / 1000) * perDay;
  const connectS = ((cycle.online ?? 0) - cycle.request) / 1000;
  return {
    label,
    periodS: 0,
    ranS: rig.seconds,
    cycles: 0,
    connectS,
    tlsS: full.linkS,
    transferS,
    idleS: DAY_S - connectS - full.linkS - transferS,
    handshakes: { full: 1, resumed: 0 },
    up: afterHandshake(connection, "up") * perDay + full.up,
    down: afterHandshake(connection, "down") * perDay + full.down,
    wakeups: (rig.clock.wakeups / rig.seconds) * DAY_S,
  };
}
