// The SDK's "time" module (typings/time.d.ts): monotonic ticks and setting the wall clock.
declare module "time" {
  const Time: {
    /** Sets the wall clock, seconds since the Unix epoch. */
    set(seconds: number): void;
    /** Monotonic milliseconds. */
    readonly ticks: number;
  };
  export { Time as default };
}
