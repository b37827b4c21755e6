// The energy bench's clock (the Clock port): virtual time that runs with real time while the wearable has
// network work in flight (a TLS handshake, a packet waiting for its answer, bytes held in the link), and jumps
// to the next timer when it has none. So an hour of the wearable's schedule runs in seconds, while every
// exchange with the broker runs for real, and takes the time it takes on the link.
//
// Every timer callback is a CPU wake-up on the device (the drain of the sensor FIFO, sampling, batching, the
// client's keep alive, the network's deadlines, the upload schedule): counted.
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise((resolve) => setImmediate(resolve));

export class BenchClock extends VirtualClock {
  /** Timer callbacks run since the start: the device's CPU wake-ups. */
  wakeups = 0;

  /** Ticks from 0, the wall clock unset (a board powers on without the time). */
  constructor() {
    super(null);
  }

  /** Runs until virtual time `end`: with real time while `busy()`, else straight to the next timer. */
  async runUntil(end: number, busy: () => boolean): Promise<void> {
    let last = performance.now();
    while (this.ticks() < end) {
      if (busy()) {
        await sleep(2);
        const now = performance.now();
        this.advanceTo(Math.min(end, this.ticks() + (now - last)));
        last = now;
      } else {
        this.advanceTo(Math.min(end, this.nextAt() ?? end));
        await turn(); // what the timers started (a socket, a datagram) gets its first events
        last = performance.now();
      }
    }
  }

  protected override fire(callback: () => void): void {
    this.wakeups++;
    callback();
  }
}
