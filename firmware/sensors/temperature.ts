// What the body-temperature drivers return from sample().

export interface TemperatureSample {
  /** Degrees Celsius (skin temperature, not core temperature). */
  temperature: number;
}
