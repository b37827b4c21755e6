// Every deadline of one client on one timer: the connect timeout (socket opened -> CONNACK), the wait before
// the next attempt (backoff), and Keep Alive (MQTT 3.1.1 section 3.1.2.10, 5.0 section 3.1.2.10): the client
// must send some control packet within every Keep Alive interval, PINGREQ when it has nothing else to send
// (section 3.12); a PINGREQ left without PINGRESP for the ping timeout means the link is dead (a half-open
// TCP connection on flaky Wi-Fi looks exactly like an idle one until then).
//
// One timer and one callback, made once, instead of a timer and a closure per deadline: on the device each
// closure costs RAM for as long as the client lives.
import type { Clock, TimerId } from "../../platform/ports.js";

/** What the timers call back (the client). */
export interface TimerOwner {
  connectTimedOut(): void;
  reconnectDue(): void;
  /** A PINGREQ is due: write one (the write counts as activity). */
  pingDue(): void;
  pingTimedOut(): void;
}

const NONE = -1;

export class ClientTimers {
  // Deadlines in clock ticks (ms); NONE when not running.
  private connectAt = NONE;
  private reconnectAt = NONE;
  private checkAt = NONE; // next look at the link's idleness
  private pingAt = NONE; // PINGRESP due by then
  private interval = 0; // Keep Alive, ms (0 = off)
  private pingTimeout = 0;
  private lastSent = 0;
  private timer: TimerId | undefined;
  private timerAt = NONE;
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = NONE;
    this.fire();
  };

  constructor(
    private readonly clock: Clock,
    private readonly owner: TimerOwner,
  ) {}

  startConnect(timeoutMs: number): void {
    this.connectAt = this.clock.ticks() + timeoutMs;
    this.arm();
  }

  /** CONNACK arrived (or the attempt ended). */
  stopConnect(): void {
    this.connectAt = NONE;
    this.arm();
  }

  startReconnect(delayMs: number): void {
    this.reconnectAt = this.clock.ticks() + delayMs;
    this.arm();
  }

  stopReconnect(): void {
    this.reconnectAt = NONE;
    this.arm();
  }

  /** Keep Alive for a connection: interval in seconds (0 disables), ping timeout in milliseconds. */
  startKeepAlive(intervalSeconds: number, pingTimeoutMs: number): void {
    this.interval = intervalSeconds * 1000;
    this.pingTimeout = pingTimeoutMs;
    this.lastSent = this.clock.ticks();
    this.pingAt = NONE;
    this.checkAt = this.interval > 0 ? this.lastSent + this.interval : NONE;
    this.arm();
  }

  stopKeepAlive(): void {
    this.interval = 0;
    this.checkAt = this.pingAt = NONE;
    this.arm();
  }

  /** Any control packet written counts as activity (section 3.1.2.10). */
  sent(): void {
    this.lastSent = this.clock.ticks();
  }

  /** PINGRESP arrived. */
  pingResponse(): void {
    if (this.pingAt === NONE) return;
    this.pingAt = NONE;
    this.arm();
  }

  /** Everything off (close()). */
  stop(): void {
    this.connectAt = this.reconnectAt = NONE;
    this.stopKeepAlive();
  }

  private fire(): void {
    const now = this.clock.ticks();
    if (this.connectAt !== NONE && now >= this.connectAt) {
      this.connectAt = NONE;
      this.owner.connectTimedOut();
    }
    if (this.reconnectAt !== NONE && now >= this.reconnectAt) {
      this.reconnectAt = NONE;
      this.owner.reconnectDue();
    }
    if (this.pingAt !== NONE && now >= this.pingAt) {
      this.stopKeepAlive();
      this.owner.pingTimedOut();
    }
    if (this.checkAt !== NONE && now >= this.checkAt) {
      const elapsed = now - this.lastSent;
      if (this.pingAt !== NONE) {
        // A PINGREQ is outstanding: its deadline decides; keep looking every interval.
        this.checkAt = now + this.interval;
      } else if (elapsed >= this.interval) {
        this.pingAt = now + this.pingTimeout;
        this.checkAt = now + this.interval;
        this.owner.pingDue();
      } else {
        this.checkAt = now + Math.max(1, this.interval - elapsed);
      }
    }
    this.arm();
  }

  /** The one timer, set for the earliest deadline. */
  private arm(): void {
    const at = earliest(earliest(this.connectAt, this.reconnectAt), earliest(this.pingAt, this.checkAt));
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at !== NONE) this.timer = this.clock.set(this.onTimer, Math.max(0, at - this.clock.ticks()));
  }
}

const earliest = (a: number, b: number): number => (a === NONE ? b : b === NONE ? a : Math.min(a, b));
