// Retry delays (the MQTT client's reconnects, the network's Wi-Fi and SNTP retries): exponential backoff
// with "full jitter" (delay = random(0, min(cap, base * 2^n))), so a fleet that lost its broker or its access
// point at the same moment does not come back in lockstep. A TLS handshake blocks an ESP32 for ~2 s
// (docs/device.md), so storms are costly on both ends.
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly base: number,
    private readonly cap: number,
    private readonly random: () => number,
  ) {}

  /** The delay before the next attempt, in milliseconds; each call doubles the ceiling up to the cap (or
   *  up to `cap`, e.g. a longer one once failures look persistent). */
  next(cap = this.cap): number {
    const ceiling = Math.min(cap, this.base * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  /** After a successful CONNACK (or when the network returns) the next failure starts from the base again. */
  reset(): void {
    this.attempt = 0;
  }
}

