// Keep Alive (MQTT 3.1.1 section 3.1.2.10, 5.0 section 3.1.2.10): the client must send some control packet
// within every Keep Alive interval; when it has nothing else to send it sends PINGREQ (section 3.12). A
// PINGREQ left without PINGRESP for pingTimeout means the link is dead (a half-open TCP connection on
// flaky Wi-Fi looks exactly like an idle one until then).
import type { Clock, TimerId } from "../platform/ports.js";

export class Keepalive {
  private interval = 0;
  private timeout = 0;
  private lastSent = 0;
  private idleTimer: TimerId | undefined;
  private deadTimer: TimerId | undefined;
  private readonly onIdleTimer: () => void;
  private readonly onDeadTimer: () => void;

  constructor(
    private readonly clock: Clock,
    /** Called when a PINGREQ is due; the client writes one and calls sent(). */
    private readonly ping: () => void,
    /** Called when no PINGRESP arrived in time. */
    private readonly dead: () => void,
  ) {
    this.onIdleTimer = () => this.idle();
    this.onDeadTimer = () => {
      this.deadTimer = undefined;
      this.stop();
      this.dead();
    };
  }

  /** Start for a connection: interval in seconds (0 disables), timeout in milliseconds. */
  start(intervalSeconds: number, timeoutMs: number): void {
    this.stop();
    this.interval = intervalSeconds * 1000;
    this.timeout = timeoutMs;
    this.lastSent = this.clock.ticks();
    if (this.interval > 0) this.idleTimer = this.clock.set(this.onIdleTimer, this.interval);
  }

  /** Any control packet written counts as activity (section 3.1.2.10). */
  sent(): void {
    this.lastSent = this.clock.ticks();
  }

  /** PINGRESP arrived. */
  pingResponse(): void {
    if (this.deadTimer !== undefined) {
      this.clock.clear(this.deadTimer);
      this.deadTimer = undefined;
    }
  }

  get awaitingResponse(): boolean {
    return this.deadTimer !== undefined;
  }

  stop(): void {
    if (this.idleTimer !== undefined) this.clock.clear(this.idleTimer);
    if (this.deadTimer !== undefined) this.clock.clear(this.deadTimer);
    this.idleTimer = this.deadTimer = undefined;
    this.interval = 0;
  }

  private idle(): void {
    this.idleTimer = undefined;
    if (this.interval === 0) return;
    const elapsed = this.clock.ticks() - this.lastSent;
    if (this.deadTimer !== undefined) {
      // A PINGREQ is outstanding: the dead timer decides; just keep the idle check going.
      this.idleTimer = this.clock.set(this.onIdleTimer, this.interval);
    } else if (elapsed >= this.interval) {
      this.deadTimer = this.clock.set(this.onDeadTimer, this.timeout);
      this.ping();
      this.idleTimer = this.clock.set(this.onIdleTimer, this.interval);
    } else {
      this.idleTimer = this.clock.set(this.onIdleTimer, Math.max(1, this.interval - elapsed));
    }
  }
}
