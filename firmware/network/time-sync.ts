// One round of asking SNTP servers for the time: each configured server in turn, `attempts` requests each,
// `timeoutMs` apart, until one gives a valid reply (sntp.ts). The time is corrected by half the round trip
// (the reply left the server about then). The round's outcome goes to onTime or onFailed; the caller (the
// network, network.ts) decides when to try again.
import type { CallbackThis, Clock, Datagram, Resolve, TimerId, UdpConstructor, UdpSocket } from "../platform/ports.js";
import { isIPv4 } from "../mqtt/common/text.js";
import { SntpError, sntpRequest, sntpServer, sntpTime } from "./sntp.js";

export interface TimeSyncOptions {
  UDP: UdpConstructor;
  resolve: Resolve;
  clock: Clock;
  /** "host" or "host:port", tried in order. */
  servers: string[];
  random?: () => number;
  /** Requests per server (default 2), and the wait for a reply to each (default 3 000 ms). */
  attempts?: number;
  timeoutMs?: number;
  target?: unknown;
  /** The server's time, Unix milliseconds, now. */
  onTime(this: CallbackThis, milliseconds: number): void;
  onFailed(this: CallbackThis, error: SntpError): void;
}

export class TimeSync {
  readonly #options: TimeSyncOptions;
  #running = false;
  /** Bumped when a round ends, so a late DNS answer or datagram of an old round is ignored. */
  #round = 0;
  #server = 0;
  #attempt = 0;
  #address: string | undefined;
  #socket: UdpSocket | undefined;
  #nonceHigh = 0;
  #nonceLow = 0;
  #sentAt = 0;
  #timer: TimerId | undefined;
  #lastError: SntpError | undefined;
  /** The timer's callback, made once (not one per request). */
  readonly #onTimeout = (): void => this.timedOut();

  constructor(options: TimeSyncOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts a round (nothing when one runs already, or no server is configured: then onFailed). */
  sync(): void {
    if (this.#running) return;
    if (this.#options.servers.length === 0) {
      this.#options.onFailed.call(this.#options, new SntpError("no-reply", "no SNTP server configured"));
      return;
    }
    this.#running = true;
    this.#server = 0;
    this.#lastError = undefined;
    this.ask();
  }

  /** Ends the round in hand without an outcome (the network went away). */
  cancel(): void {
    if (!this.#running) return;
    this.end();
  }

  /** The server in hand, parsed when asked (a round every few hours) rather than kept: RAM on the device. */
  private get current(): { host: string; port: number } {
    return sntpServer(this.#options.servers[this.#server]);
  }

  static #onReadable(this: CallbackThis): void {
    (this.target as TimeSync).readable();
  }

  /** The current server: resolve it (IPv4 literals need no look-up), then send. */
  private ask(): void {
    this.#attempt = 0;
    const { host } = this.current;
    this.#address = undefined;
    if (isIPv4(host)) this.send(host);
    else if (host === "localhost") this.send("127.0.0.1");
    else {
      const round = this.#round; // one look-up per server and round: a closure is cheap here
      this.#options.resolve(host, (name, address) => {
        if (round === this.#round && this.#running) this.resolved(name, address);
      });
    }
  }

  private resolved(name: string, address: string | undefined): void {
    if (address === undefined) {
      this.#lastError = new SntpError("unresolved", `cannot resolve SNTP server ${name}`);
      this.next();
    } else this.send(address);
  }

  private send(address: string): void {
    this.#address = address;
    const random = this.#options.random ?? Math.random;
    this.#nonceHigh = Math.floor(random() * 2 ** 32);
    this.#nonceLow = Math.floor(random() * 2 ** 32);
    try {
      this.#socket ??= new this.#options.UDP({ target: this, onReadable: TimeSync.#onReadable });
      this.#socket.write(sntpRequest(this.#nonceHigh, this.#nonceLow), address, this.current.port);
    } catch {
      // No socket to be had or the write refused (no route): counts as an attempt without a reply.
    }
    this.#sentAt = this.#options.clock.ticks();
    this.#timer = this.#options.clock.set(this.#onTimeout, this.#options.timeoutMs ?? 3000);
  }

  private readable(): void {
    const socket = this.#socket;
    if (!socket || !this.#running) return;
    for (let datagram: Datagram | undefined; (datagram = socket.read()) !== undefined; ) {
      let time: number | undefined;
      try {
        time = sntpTime(new Uint8Array(datagram), this.#nonceHigh, this.#nonceLow);
      } catch (error) {
        this.#lastError = error as SntpError;
        this.clearTimer();
        this.next(); // this server will not do: the next one
        return;
      }
      if (time === undefined || datagram.address !== this.#address) continue;
      const roundTrip = this.#options.clock.ticks() - this.#sentAt;
      this.end();
      this.#options.onTime.call(this.#options, time + Math.round(roundTrip / 2));
      return;
    }
  }

  private timedOut(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    if (++this.#attempt < (this.#options.attempts ?? 2) && this.#address !== undefined) this.send(this.#address);
    else {
      this.#lastError = new SntpError("no-reply", `no reply from SNTP server ${this.current.host}`);
      this.next();
    }
  }

  private next(): void {
    if (++this.#server < this.#options.servers.length) return this.ask();
    const error = this.#lastError ?? new SntpError("no-reply", "no SNTP server replied");
    this.end();
    this.#options.onFailed.call(this.#options, error);
  }

  private clearTimer(): void {
    if (this.#timer !== undefined) this.#options.clock.clear(this.#timer);
    this.#timer = undefined;
  }

  private end(): void {
    this.clearTimer();
    this.#running = false;
    this.#round++;
    const socket = this.#socket;
    this.#socket = undefined;
    try {
      socket?.close();
    } catch {
      // already unusable
    }
  }
}
