// A Wi-Fi network interface with the ECMA-419 shape (ports.ts WiFi, as esp32's
// `embedded:network/interface/wifi`) over simulated airwaves: which networks are in range can change at any
// time, so a test, `npm start` or the Moddable simulator (which has no radio) can take the network away and
// bring it back. Joining takes `associationMs`; a network out of range, or a wrong password, ends the join
// with `connection` 200 as a failed association does on the device; a network going out of range drops an
// association the same way.
import { CodedError } from "../mqtt/common/coded-error.js";
import type { CallbackThis, Clock, TimerId, WiFi, WiFiConnectOptions, WiFiConstructor, WiFiOptions } from "./ports.js";
import { Connection } from "./wifi-connection.js";

/** The networks around the device. */
export class Airwaves {
  /** In-range networks and their passwords (undefined: open); every network when `all`. */
  #inRange = new Map<string, string | undefined>();
  #all = true;
  readonly #interfaces = new Set<{ airwavesChanged(): void }>();

  /** Every network is in range (any SSID joins, any password). The default. */
  everywhere(): void {
    this.#all = true;
    this.#inRange.clear();
    this.changed();
  }

  /** No network is in range. */
  nowhere(): void {
    this.#all = false;
    this.#inRange.clear();
    this.changed();
  }

  /** Exactly these networks are in range. */
  only(networks: { ssid: string; password?: string }[]): void {
    this.#all = false;
    this.#inRange.clear();
    for (const n of networks) this.#inRange.set(n.ssid, n.password);
    this.changed();
  }

  /** Whether joining `ssid` with `password` succeeds now. */
  accepts(ssid: string, password: string | undefined): boolean {
    if (this.#all) return true;
    if (!this.#inRange.has(ssid)) return false;
    const expected = this.#inRange.get(ssid);
    return expected === undefined || expected === password;
  }

  /** Whether an association with `ssid` survives now. */
  reaches(ssid: string): boolean {
    return this.#all || this.#inRange.has(ssid);
  }

  listen(wifi: { airwavesChanged(): void }): void {
    this.#interfaces.add(wifi);
  }

  forget(wifi: { airwavesChanged(): void }): void {
    this.#interfaces.delete(wifi);
  }

  private changed(): void {
    for (const wifi of this.#interfaces) wifi.airwavesChanged();
  }
}

export interface SimulatedWiFiSettings {
  airwaves: Airwaves;
  clock: Clock;
  /** Time to associate and get an address (default 500 ms). */
  associationMs?: number;
  /** The address it gets (default 10.0.0.2). */
  address?: string;
}

/** A WiFi class (ports.ts WiFiConstructor) on these airwaves. (A class made at run time: on a device, prefer a
 *  subclass in a preloaded module, as the simulator's binding does.) */
export function simulatedWiFiClass(settings: SimulatedWiFiSettings): WiFiConstructor {
  return class extends SimulatedWiFi {
    constructor(options: WiFiOptions) {
      super(options, settings);
    }
  };
}

export class SimulatedWiFi implements WiFi {
  readonly target: unknown;
  #connection: number = Connection.disconnected;
  #ssid: string | undefined;
  #password: string | undefined;
  #timer: TimerId | undefined;
  readonly #options: WiFiOptions;
  readonly #settings: SimulatedWiFiSettings;
  readonly #onTimer = (): void => this.associated();

  constructor(options: WiFiOptions, settings: SimulatedWiFiSettings) {
    this.#options = options;
    this.#settings = settings;
    this.target = options.target; // ECMA-419: the instance keeps `target`, and is the callbacks' `this`
    settings.airwaves.listen(this);
  }

  get connection(): number {
    return this.#connection;
  }

  get address(): string | undefined {
    return this.#connection === Connection.connected ? (this.#settings.address ?? "10.0.0.2") : undefined;
  }

  connect(options: WiFiConnectOptions): void {
    if (this.#connection === Connection.connecting) throw new CodedError("already-connecting", "already connecting"); // as esp32's driver
    this.cancel();
    this.#ssid = options.SSID;
    this.#password = options.password;
    this.set(Connection.connecting);
    this.#timer = this.#settings.clock.set(this.#onTimer, this.#settings.associationMs ?? 500);
  }

  disconnect(): void {
    this.cancel();
    this.#connection = Connection.disconnected; // as esp32's: no callback for a disconnect asked for
  }

  close(): void {
    this.cancel();
    this.#settings.airwaves.forget(this);
  }

  airwavesChanged(): void {
    if (this.#connection === Connection.connected && !this.#settings.airwaves.reaches(this.#ssid ?? "")) this.set(Connection.disconnected);
  }

  private associated(): void {
    this.#timer = undefined;
    const ok = this.#settings.airwaves.accepts(this.#ssid ?? "", this.#password);
    this.set(ok ? Connection.connected : Connection.disconnected);
  }

  private cancel(): void {
    if (this.#timer !== undefined) this.#settings.clock.clear(this.#timer);
    this.#timer = undefined;
  }

  private set(connection: number): void {
    if (connection === this.#connection) return;
    this.#connection = connection;
    const onChanged = this.#options.onChanged;
    if (onChanged) onChanged.call(this as CallbackThis, "connection");
  }
}
