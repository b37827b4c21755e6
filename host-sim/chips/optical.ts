// What a MAX3010x's photodiode sees: the light returned from each LED, per mA of LED drive, and ambient light.
// Signal sources (synthetic PPG, recorded-waveform replay) implement OpticalSource; the chip model turns the
// currents into ADC counts according to its LED current, ADC range and pulse width.

export interface OpticalSample {
  /** Photodiode current in nA per mA of red LED drive. */
  red: number;
  /** Photodiode current in nA per mA of IR LED drive. */
  ir: number;
  /** Ambient photocurrent in nA (cancelled by the chip's ALC up to its limit). */
  ambient: number;
}

export interface OpticalSource {
  /** The light at time `t` seconds. Calls come with non-decreasing `t`. Fills `out`, allocates nothing. */
  sample(t: number, out: OpticalSample): void;
}

/** A constant scene, e.g. a finger that does not move and has no pulse, or an empty sensor. */
export function constantLight(red: number, ir: number, ambient = 0): OpticalSource {
  return {
    sample(_t: number, out: OpticalSample): void {
      out.red = red;
      out.ir = ir;
      out.ambient = ambient;
    },
  };
}
