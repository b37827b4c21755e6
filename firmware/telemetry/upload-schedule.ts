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
  /** The upload period in force (uploadPeriodMs; 0: always connected). */
  readonly config: { readonly uploadPeriodMs: number };
  /** Connected, and nothing handed to the client waits for an acknowledgement, nor anything released from
   *  the outbox for sending. */
  readonly settled: boolean;
  /** The cycle is done: say so before going (the retained status), `nextUpload` in wall-clock ms when known. */
  sleeping(nextUpload: number | undefined): void;
  /** MQTT: connect (or resume), and end the connection in hand keeping the session (done: the socket is gone). */
  connect(): void;
  disconnect(done: (this: unknown) => void, target: unknown): void;
}

/** How long a cycle may keep the radio up: a network or broker that does not answer costs at most this per
 *  period; what is left goes next cycle. */
export const UPLOAD_WINDOW_MS = 60_000;

// Awake: a look at whether the cycle is done is due (Looking), or the "sleeping" status went (Said, and
// Looking again); Leaving, urgent() came meanwhile (LeavingAgain). Flags of one number: RAM on the device.
const State = Object.freeze({ Off: 0, Asleep: 1, Awake: 2, Leaving: 3, Always: 4, LeavingAgain: 5 } as const);
const Looking = 8;
const Said = 16;
const STATE = 7;

const NONE = -1;

function left(this: unknown): void {
  (this as UploadSchedule).left();
}

export class UploadSchedule {
  readonly #clock: Clock;
  readonly #owner: ScheduleOwner;
  #link: UplinkLink | undefined;
  /** State | Looking | Said. */
  #state: number = State.Off;
  /** Deadlines in ticks: the next regular upload, the cycle's end. */
  #next = NONE;
  #deadline = NONE;
  #timer: TimerId | undefined;
  /** Made at the first timer: always connected, the schedule never needs one (RAM on the device). */
  #onTimer: (() => void) | undefined;

  constructor(clock: Clock, owner: ScheduleOwner) {
    this.#clock = clock;
    this.#owner = owner;
  }

  /** The radio is wanted now (a cycle, or always connected). */
  get awake(): boolean {
    const state = this.#state & STATE;
    return state === State.Awake || state === State.Leaving || state === State.LeavingAgain || state === State.Always;
  }

  /** Starts: always connected, or the first cycle now (what an earlier boot stored goes at once). */
  start(link: UplinkLink | undefined): void {
    if (this.#state !== State.Off) return;
    this.#link = link;
    if (this.#owner.config.uploadPeriodMs === 0) this.always();
    else this.wake();
  }

  /** The owner's upload period changed: 0 stays connected from now on; from always connected, this
   *  connection ends once settled, as a cycle does. */
  configure(): void {
    const period = this.#owner.config.uploadPeriodMs;
    const now = this.#clock.ticks();
    const state = this.#state & STATE;
    if (state === State.Asleep) {
      if (period === 0) this.always();
      else {
        this.#next = Math.min(this.#next, now + period);
        this.arm();
      }
    } else if (state === State.Always && period > 0) {
      this.#state = State.Awake;
      this.#next = now + period;
      this.#deadline = now + UPLOAD_WINDOW_MS;
      this.progress();
    }
  }

  /** An alarm, or a reading marked urgent: up at once (it goes with this cycle when one is running). */
  urgent(): void {
    const state = this.#state & STATE;
    if (state === State.Asleep) this.wake();
    else if (state === State.Leaving) this.#state = State.LeavingAgain;
  }

  /** Something was acknowledged, or the connection came up: the cycle may be done (looked at once the
   *  client has finished with the packet in hand). */
  progress(): void {
    if ((this.#state & STATE) !== State.Awake) return;
    this.#state |= Looking;
    this.arm();
  }

  close(): void {
    this.#state = State.Off;
    this.#next = this.#deadline = NONE;
    this.arm();
  }

  /** The client let the connection go (disconnect()'s completion). */
  left(): void {
    const state = this.#state & STATE;
    if (state !== State.Leaving && state !== State.LeavingAgain) return;
    this.#state = State.Asleep;
    this.#link?.release();
    if (this.#owner.config.uploadPeriodMs === 0) this.always();
    else if (state === State.LeavingAgain) this.wake();
    else this.arm();
  }

  private always(): void {
    this.#state = State.Always;
    this.#next = this.#deadline = NONE;
    this.arm();
    this.#owner.connect();
    this.#link?.request();
  }

  private wake(): void {
    const now = this.#clock.ticks();
    this.#state = State.Awake;
    // The regular cadence holds: an urgent cycle does not move the next regular one.
    if (this.#next === NONE || this.#next <= now) this.#next = now + this.#owner.config.uploadPeriodMs;
    this.#deadline = now + UPLOAD_WINDOW_MS;
    this.arm();
    this.#owner.connect();
    this.#link?.request();
  }

  private leave(): void {
    this.#state = State.Leaving;
    this.#deadline = NONE;
    this.arm();
    this.#owner.disconnect(left, this);
  }

  private fire(): void {
    const now = this.#clock.ticks();
    const state = this.#state & STATE;
    if (state === State.Awake) {
      if (this.#state & Looking) {
        this.#state &= ~Looking;
        const owner = this.#owner;
        if (owner.settled) {
          if (!(this.#state & Said)) {
            this.#state |= Said;
            const wall = this.#clock.wallTime();
            owner.sleeping(wall === undefined ? undefined : wall + (this.#next - now));
          }
          // The status is acknowledged (or could not go): done.
          if (owner.settled) return this.leave();
        }
      }
      if (now >= this.#deadline) return this.leave();
    } else if (state === State.Asleep && this.#next !== NONE && now >= this.#next) {
      return this.wake();
    }
    this.arm();
  }

  /** The one timer, for the earliest deadline of the state (a look due: now). */
  private arm(): void {
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    const state = this.#state & STATE;
    const at = state === State.Awake ? (this.#state & Looking ? this.#clock.ticks() : this.#deadline) : state === State.Asleep ? this.#next : NONE;
    if (at === NONE) return;
    this.#onTimer ??= () => {
      this.#timer = undefined;
      this.fire();
    };
    this.#timer = this.#clock.set(this.#onTimer, Math.max(0, at - this.#clock.ticks()));
  }
}
