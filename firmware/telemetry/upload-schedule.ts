// The uplink's duty cycle: the radio is the wearable's largest cost, so between uploads the network port
// takes Wi-Fi down, and every `uploadPeriodMs` the uplink brings it up, connects (the MQTT session and the TLS
// session resumed), delivers what the outbox holds, waits for the acknowledgements, and goes down again. An
// alarm, or a reading of a kind the configuration marks urgent, brings it up at once. Period 0: always
// connected (the network requested for good).
//
//   Asleep --period due, or urgent()--> Awake: link.request(), client.connect()
//   Awake --connected and settled (all acknowledged)--> status "sleeping" --its ack--> Leaving: DISCONNECT
//   Awake --the cycle's window ran out (no network, no broker)--> Leaving: what is left goes next cycle
//   Leaving --the broker closed the connection--> Asleep: link.release() (again at once when urgent() came)
//
// The MQTT session outlives the cycles (Clean Start 0; over MQTT 5 a Session Expiry Interval longer than the
// period, firmware/main.ts), so a QoS 1 message unacknowledged when a cycle ends is resent in the next one
// (MQTT 4.4) and the config subscription stays. One timer for every deadline, one callback made once.
import type { Clock, TimerId } from "../platform/ports.js";

/** The network port's demand (firmware/network/network.ts Network on demand): the radio is up only between
 *  request() and release(). */
export interface UplinkLink {
  request(): void;
  release(): void;
}

/** What the schedule needs of the app. */
export interface ScheduleOwner {
  /** Connected, and nothing handed to the client waits for an acknowledgement, nor anything released from
   *  the outbox for sending. */
  readonly settled: boolean;
  /** The cycle is done: say so before going (the retained status), `nextUpload` in wall-clock ms when known. */
  sleeping(nextUpload: number | undefined): void;
  /** MQTT: connect (or resume), and end the connection in hand keeping the session (done: the socket is gone). */
  connect(): void;
  disconnect(done: (this: unknown) => void, target: unknown): void;
}

export interface UploadScheduleOptions {
  clock: Clock;
  owner: ScheduleOwner;
  periodMs: number;
  /** How long a cycle may keep the radio up (default 60 000 ms): a network or broker that does not answer
   *  costs at most this per period; what is left goes next cycle. */
  windowMs?: number;
}

const State = Object.freeze({ Off: 0, Asleep: 1, Awake: 2, Leaving: 3, Always: 4 } as const);
type State = (typeof State)[keyof typeof State];

const NONE = -1;

function left(this: unknown): void {
  (this as UploadSchedule).left();
}

export class UploadSchedule {
  readonly #clock: Clock;
  readonly #owner: ScheduleOwner;
  readonly #window: number;
  #link: UplinkLink | undefined;
  #period: number;
  #state: State = State.Off;
  /** Deadlines in ticks: the next regular upload, the cycle's end, a look at whether the cycle is done. */
  #next = NONE;
  #deadline = NONE;
  #check = NONE;
  /** The "sleeping" status went this cycle. */
  #said = false;
  /** Something urgent came while leaving: up again at once. */
  #again = false;
  #timer: TimerId | undefined;
  #timerAt = NONE;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = NONE;
    this.fire();
  };
  /** Cycles begun since start (each one a request of the network). */
  cycles = 0;

  constructor(options: UploadScheduleOptions) {
    this.#clock = options.clock;
    this.#owner = options.owner;
    this.#period = options.periodMs;
    this.#window = options.windowMs ?? 60_000;
  }

  /** Always connected (period 0), or between uploads. */
  get period(): number {
    return this.#period;
  }

  /** The radio is wanted now (a cycle, or always connected). */
  get awake(): boolean {
    return this.#state === State.Awake || this.#state === State.Leaving || this.#state === State.Always;
  }

  /** Starts: always connected, or the first cycle now (what an earlier boot stored goes at once). */
  start(link: UplinkLink | undefined): void {
    if (this.#state !== State.Off) return;
    this.#link = link;
    if (this.#period === 0) this.always();
    else this.wake();
  }

  /** A new period takes effect: 0 stays connected from now on; from always connected, this connection ends
   *  once settled, as a cycle does. */
  configure(periodMs: number): void {
    if (periodMs === this.#period) return;
    this.#period = periodMs;
    const now = this.#clock.ticks();
    if (this.#state === State.Asleep) {
      if (periodMs === 0) this.always();
      else {
        this.#next = Math.min(this.#next, now + periodMs);
        this.arm();
      }
    } else if (this.#state === State.Always && periodMs > 0) {
      this.#state = State.Awake;
      this.#said = false;
      this.#next = now + periodMs;
      this.#deadline = now + this.#window;
      this.progress();
    }
  }

  /** An alarm, or a reading marked urgent: up at once (it goes with this cycle when one is running). */
  urgent(): void {
    if (this.#state === State.Asleep) this.wake();
    else if (this.#state === State.Leaving) this.#again = true;
  }

  /** Something was acknowledged, or the connection came up: the cycle may be done (looked at once the
   *  client has finished with the packet in hand). */
  progress(): void {
    if (this.#state !== State.Awake) return;
    this.#check = this.#clock.ticks();
    this.arm();
  }

  close(): void {
    this.#state = State.Off;
    this.#next = this.#deadline = this.#check = NONE;
    this.arm();
  }

  /** The client let the connection go (disconnect()'s completion). */
  left(): void {
    if (this.#state !== State.Leaving) return;
    this.#state = State.Asleep;
    this.#link?.release();
    if (this.#period === 0) this.always();
    else if (this.#again) {
      this.#again = false;
      this.wake();
    } else this.arm();
  }

  private always(): void {
    this.#state = State.Always;
    this.#next = this.#deadline = this.#check = NONE;
    this.arm();
    this.#owner.connect();
    this.#link?.request();
  }

  private wake(): void {
    const now = this.#clock.ticks();
    this.#state = State.Awake;
    this.cycles++;
    this.#said = false;
    // The regular cadence holds: an urgent cycle does not move the next regular one.
    if (this.#next === NONE || this.#next <= now) this.#next = now + this.#period;
    this.#deadline = now + this.#window;
    this.arm();
    this.#owner.connect();
    this.#link?.request();
  }

  private leave(): void {
    this.#state = State.Leaving;
    this.#deadline = this.#check = NONE;
    this.arm();
    this.#owner.disconnect(left, this);
  }

  private fire(): void {
    const now = this.#clock.ticks();
    if (this.#state === State.Awake) {
      if (this.#check !== NONE && now >= this.#check) {
        this.#check = NONE;
        if (this.#owner.settled) {
          if (!this.#said) {
            this.#said = true;
            const wall = this.#clock.wallTime();
            this.#owner.sleeping(wall === undefined ? undefined : wall + (this.#next - now));
          }
          // The status is acknowledged (or could not go): done.
          if (this.#owner.settled) return this.leave();
        }
      }
      if (this.#deadline !== NONE && now >= this.#deadline) return this.leave();
    } else if (this.#state === State.Asleep && this.#next !== NONE && now >= this.#next) {
      return this.wake();
    }
    this.arm();
  }

  private arm(): void {
    let at = NONE;
    if (this.#state === State.Awake) at = earliest(this.#check, this.#deadline);
    else if (this.#state === State.Asleep) at = this.#next;
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at !== NONE) this.#timer = this.#clock.set(this.#onTimer, Math.max(0, at - this.#clock.ticks()));
  }
}

const earliest = (a: number, b: number): number => (a === NONE ? b : b === NONE ? a : Math.min(a, b));
