// Second-order IIR section (RBJ audio-EQ cookbook, Butterworth Q = 1/sqrt 2), transposed direct form II.
// Plain number fields, no arrays: cheap per sample on XS and allocation-free.

export class Biquad {
  #b0 = 1;
  #b1 = 0;
  #b2 = 0;
  #a1 = 0;
  #a2 = 0;
  #z1 = 0;
  #z2 = 0;

  static lowPass(cutoffHz: number, sampleRate: number): Biquad {
    return new Biquad().#design(cutoffHz, sampleRate, false);
  }

  static highPass(cutoffHz: number, sampleRate: number): Biquad {
    return new Biquad().#design(cutoffHz, sampleRate, true);
  }

  step(x: number): number {
    const y = this.#b0 * x + this.#z1;
    this.#z1 = this.#b1 * x - this.#a1 * y + this.#z2;
    this.#z2 = this.#b2 * x - this.#a2 * y;
    return y;
  }

  reset(): void {
    this.#z1 = 0;
    this.#z2 = 0;
  }

  #design(cutoffHz: number, sampleRate: number, high: boolean): this {
    const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
    const cos = Math.cos(w0);
    const alpha = Math.sin(w0) / Math.SQRT2; // sin(w0) / (2Q), Q = 1/sqrt(2)
    const a0 = 1 + alpha;
    const k = (high ? 1 + cos : 1 - cos) / 2;
    this.#b0 = k / a0;
    this.#b1 = ((high ? -2 : 2) * k) / a0;
    this.#b2 = k / a0;
    this.#a1 = (-2 * cos) / a0;
    this.#a2 = (1 - alpha) / a0;
    return this;
  }
}
