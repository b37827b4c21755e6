// The firmware owns its network: it joins Wi-Fi at boot without holding anything else up, notices when the
// link is lost and joins again, tries the configured networks in turn, sets the wall clock by SNTP after a
// (re)connection while it is unset, and resyncs it now and then. It tells its owner when the network is
// usable for the uplink: associated with an IP address, and the wall clock set (TLS checks certificate
// dates against it). Nothing here blocks: sampling runs from power-on whatever the network does.
//
//   Off --start()--> Joining(network i) --connection 500--> Up --connection 200--> Waiting --> Joining(i)
//   Joining --connection 200 or join timeout--> Joining(i + 1), at once; after a whole round of networks
//   failed: Waiting (backoff with full jitter) --> Joining(next)
//
// On demand (`onDemand`), the station is joined only between request() and release(): the uplink's duty
// cycle takes the radio down between uploads (any state --release()--> Off --request()--> Joining).
//
// One timer for every deadline (join timeout, the next join, the next SNTP request), one callback made once.
import { Backoff } from "../mqtt/common/backoff.js";
import { knownWallTime } from "../mqtt/common/wall-clock.js";
import { Connection } from "../platform/wifi-connection.js";
import type { CallbackThis, Clock, Resolve, TimerId, UdpConstructor, WiFi, WiFiConstructor } from "../platform/ports.js";
import type { SntpError } from "./sntp.js";
import { TimeSync } from "./time-sync.js";

export interface WiFiNetwork {
  ssid: string;
  password?: string;
}

export type NetworkEvent =
  | { kind: "joining"; ssid: string }
  | { kind: "up"; ssid: string; address: string | undefined }
  | { kind: "lost"; ssid: string }
  /** `retryMs`: when the next join starts (0: at once, with the next network). */
  | { kind: "join-failed"; ssid: string; retryMs: number }
  /** The station left the network on purpose (release()). */
  | { kind: "released"; ssid: string }
  | { kind: "clock-set"; time: number; first: boolean }
  | { kind: "time-failed"; error: SntpError; retryMs: number };

export interface NetworkOptions {
  WiFi: WiFiConstructor;
  /** Tried in turn; the last one that worked is tried first after a loss. */
  networks: WiFiNetwork[];
  clock: Clock;
  random?: () => number;
  /** SNTP over UDP: where the time comes from (without it the clock must be set some other way). */
  sntp?: { UDP: UdpConstructor; resolve: Resolve; servers: string[] };
  /** Wait for an association with an address before the next network is tried (default 20 000 ms). */
  joinTimeoutMs?: number;
  /** Backoff after a whole round of networks failed (default 2 000 ms doubling up to 30 000: a network
   *  that returns is found within half a minute, and a long outage costs a join attempt per ~15 s). */
  backoff?: { base?: number; cap?: number };
  /** SNTP while the clock is unset: retried with backoff (default 5 000 ms up to 300 000). */
  sntpBackoff?: { base?: number; cap?: number };
  /** Resynchronisation period once the clock is set (default 3 hours); done at the first join after it. */
  resyncMs?: number;
  /** Joined only while requested (request() / release(): the uplink's duty cycle); default false: joined
   *  from start() on, for good. */
  onDemand?: boolean;
  target?: unknown;
  /** The network became usable for the uplink (associated, an address, the clock set), or stopped being. */
  onOnline?(this: CallbackThis, online: boolean): void;
  /** Progress, for traces and status. */
  onEvent?(this: CallbackThis, event: NetworkEvent): void;
}

const Station = { Off: 0, Joining: 1, Up: 2, Waiting: 3, Closed: 4 } as const;
type Station = (typeof Station)[keyof typeof Station];

const NONE = -1;

export class Network {
  readonly #options: NetworkOptions;
  readonly #clock: Clock;
  #wifi: WiFi | undefined;
  #station: Station = Station.Off;
  /** The network being joined, or up. */
  #index = 0;
  /** Failed joins since the last success: a whole round of them means backing off. */
  #failures = 0;
  readonly #backoff: Backoff;
  readonly #sntpBackoff: Backoff;
  /** The SNTP round in hand: made per round, so nothing of it stays in RAM between rounds. */
  #timeSync: TimeSync | undefined;
  #online = false;
  #clockSetOnce = false;
  /** Joined, or to be joined (always, unless on demand and not requested). */
  #wanted: boolean;
  /** Deadlines in ticks: the join in hand gives up, the next join starts, the next SNTP round starts. */
  #joinBy = NONE;
  #joinAt = NONE;
  #syncAt = NONE;
  #timer: TimerId | undefined;
  #timerAt = NONE;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = NONE;
    this.fire();
  };
  /** Joins and losses since start (status, the energy bench). */
  joins = 0;
  losses = 0;

  constructor(options: NetworkOptions) {
    this.#options = options;
    this.#clock = options.clock;
    const random = options.random ?? Math.random;
    this.#backoff = new Backoff(options.backoff?.base ?? 2000, options.backoff?.cap ?? 30_000, random);
    this.#sntpBackoff = new Backoff(options.sntpBackoff?.base ?? 5000, options.sntpBackoff?.cap ?? 300_000, random);
    this.#wanted = options.onDemand !== true;
  }

  /** Usable for the uplink: associated with an address, and the wall clock set. */
  get online(): boolean {
    return this.#online;
  }

  /** Associated with an address (the clock may still be unset). */
  get up(): boolean {
    return this.#station === Station.Up;
  }

  /** The SSID joined or being joined. */
  get ssid(): string | undefined {
    return this.#options.networks[this.#index]?.ssid;
  }

  /** Starts joining (returns at once; progress through the callbacks); on demand, only once requested. */
  start(): void {
    if (this.#station !== Station.Off || this.#wifi) return;
    this.#wifi = new this.#options.WiFi({ target: this, onChanged: Network.#onChanged });
    if (!this.#wanted) this.leave(); // on demand: an association left over from a soft restart goes
    else if (this.#wifi.connection === Connection.connected) {
      this.#station = Station.Joining; // already associated (a soft restart): up at once
      this.changed();
    } else this.join();
  }

  /** On demand: join now (the same network first), and stay until release(). */
  request(): void {
    if (this.#wanted || this.#station === Station.Closed) return;
    this.#wanted = true;
    this.#failures = 0;
    this.#backoff.reset();
    if (this.#wifi) this.join();
  }

  /** On demand: leave the network now (the radio idles until the next request()); a resync that falls due
   *  meanwhile is done at the next join. */
  release(): void {
    if (!this.#wanted || this.#station === Station.Closed) return;
    this.#wanted = false;
    const ssid = this.ssid ?? "";
    this.leave();
    this.event({ kind: "released", ssid });
  }

  private leave(): void {
    this.stopTimeSync();
    this.#station = Station.Off;
    this.#joinBy = this.#joinAt = NONE;
    this.arm();
    try {
      this.#wifi?.disconnect();
    } catch {
      // not associated
    }
    this.setOnline(false);
  }

  private stopTimeSync(): void {
    this.#timeSync?.cancel();
    this.#timeSync = undefined;
  }

  close(): void {
    if (this.#station === Station.Closed) return;
    this.#station = Station.Closed;
    this.stopTimeSync();
    this.#joinBy = this.#joinAt = this.#syncAt = NONE;
    this.arm();
    const wifi = this.#wifi;
    this.#wifi = undefined;
    try {
      wifi?.close();
    } catch {
      // already gone
    }
    this.setOnline(false);
  }

  static #onChanged(this: CallbackThis): void {
    (this.target as Network).changed();
  }

  static #onTime(this: CallbackThis, milliseconds: number): void {
    (this.target as Network).timeArrived(milliseconds);
  }

  static #onTimeFailed(this: CallbackThis, error: SntpError): void {
    (this.target as Network).timeFailed(error);
  }

  // ---- Wi-Fi --------------------------------------------------------------------------------------

  private join(): void {
    const wifi = this.#wifi;
    const network = this.#options.networks[this.#index];
    if (!wifi || !network) return; // no network configured: nothing to join, ever
    this.#station = Station.Joining;
    this.#joinAt = NONE;
    this.#joinBy = this.#clock.ticks() + (this.#options.joinTimeoutMs ?? 20_000);
    this.arm();
    this.event({ kind: "joining", ssid: network.ssid });
    try {
      wifi.connect(network.password === undefined ? { SSID: network.ssid } : { SSID: network.ssid, password: network.password });
    } catch {
      this.joinFailed(); // e.g. "already connecting" after a lost association: counts as a failed join
    }
  }

  private changed(): void {
    const wifi = this.#wifi;
    if (!wifi || this.#station === Station.Closed || this.#station === Station.Off) return;
    const connection = wifi.connection;
    if (connection === Connection.connected) {
      if (this.#station === Station.Up) return; // a new address: still up
      this.#station = Station.Up;
      this.#joinBy = this.#joinAt = NONE;
      this.#failures = 0;
      this.#backoff.reset();
      this.joins++;
      this.event({ kind: "up", ssid: this.ssid ?? "", address: wifi.address });
      // SNTP now while the clock is unset; otherwise keep the resync schedule.
      if (knownWallTime(this.#clock) === undefined) this.#syncAt = this.#clock.ticks();
      else if (this.#syncAt === NONE) this.#syncAt = this.#clock.ticks() + (this.#options.resyncMs ?? 3 * 3_600_000);
      this.arm();
      this.setOnline(knownWallTime(this.#clock) !== undefined);
      this.fire();
    } else if (connection <= Connection.disconnected) {
      if (this.#station === Station.Up) this.lost();
      else if (this.#station === Station.Joining) this.joinFailed();
    }
  }

  /** The association went: try again at once (after a small jitter), the same network first. */
  private lost(): void {
    this.losses++;
    this.event({ kind: "lost", ssid: this.ssid ?? "" });
    this.stopTimeSync();
    this.setOnline(false);
    this.#station = Station.Waiting;
    this.#joinAt = this.#clock.ticks() + Math.floor((this.#options.random ?? Math.random)() * 1000);
    this.arm();
  }

  /** The join in hand failed (refused, or timed out): the next network, and a backoff after a full round. */
  private joinFailed(): void {
    const ssid = this.ssid ?? "";
    try {
      this.#wifi?.disconnect(); // stop the driver's own attempt before the next
    } catch {
      // nothing to stop
    }
    const networks = this.#options.networks.length;
    this.#index = (this.#index + 1) % networks;
    this.#failures++;
    this.#station = Station.Waiting;
    this.#joinBy = NONE;
    const retryMs = this.#failures % networks === 0 ? this.#backoff.next() : 0;
    this.#joinAt = this.#clock.ticks() + retryMs;
    this.arm();
    this.event({ kind: "join-failed", ssid, retryMs });
  }

  // ---- time ---------------------------------------------------------------------------------------

  private timeArrived(milliseconds: number): void {
    this.#timeSync = undefined;
    this.#clock.setWallTime(milliseconds);
    this.#sntpBackoff.reset();
    const first = !this.#clockSetOnce;
    this.#clockSetOnce = true;
    this.#syncAt = this.#clock.ticks() + (this.#options.resyncMs ?? 3 * 3_600_000);
    this.arm();
    this.event({ kind: "clock-set", time: milliseconds, first });
    if (this.#station === Station.Up) this.setOnline(knownWallTime(this.#clock) !== undefined);
  }

  private timeFailed(error: SntpError): void {
    this.#timeSync = undefined;
    // While the clock is unset, soon again; once set, the clock runs on and the next resync will do.
    const retryMs = knownWallTime(this.#clock) === undefined ? this.#sntpBackoff.next() : (this.#options.resyncMs ?? 3 * 3_600_000);
    this.#syncAt = this.#clock.ticks() + retryMs;
    this.arm();
    this.event({ kind: "time-failed", error, retryMs });
  }

  // ---- deadlines ----------------------------------------------------------------------------------

  private fire(): void {
    const now = this.#clock.ticks();
    if (this.#joinBy !== NONE && now >= this.#joinBy) {
      this.#joinBy = NONE;
      if (this.#station === Station.Joining) this.joinFailed();
    }
    if (this.#joinAt !== NONE && now >= this.#joinAt) {
      this.#joinAt = NONE;
      if (this.#station === Station.Waiting) this.join();
    }
    const sntp = this.#options.sntp;
    if (this.#syncAt !== NONE && now >= this.#syncAt && this.#station === Station.Up && sntp && !this.#timeSync) {
      this.#syncAt = NONE;
      this.#timeSync = new TimeSync({ ...sntp, clock: this.#clock, random: this.#options.random, target: this, onTime: Network.#onTime, onFailed: Network.#onTimeFailed });
      this.#timeSync.sync();
    }
    this.arm();
  }

  private arm(): void {
    const at = earliest(earliest(this.#joinBy, this.#joinAt), this.#station === Station.Up ? this.#syncAt : NONE);
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at !== NONE) this.#timer = this.#clock.set(this.#onTimer, Math.max(0, at - this.#clock.ticks()));
  }

  private setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    const callback = this.#options.onOnline;
    if (callback) callback.call(this.#options, online);
  }

  private event(event: NetworkEvent): void {
    const callback = this.#options.onEvent;
    if (callback) callback.call(this.#options, event);
  }
}

const earliest = (a: number, b: number): number => (a === NONE ? b : b === NONE ? a : Math.min(a, b));
