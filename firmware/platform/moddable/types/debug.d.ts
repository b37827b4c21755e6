// The SDK's "debug" (typings/debug.d.ts) and "instrumentation" (typings/instrumentation.d.ts) modules, as the
// heap meter uses them.
declare module "debug" {
  const Debug: {
    /** Collects garbage now. */
    gc(): void;
  };
  export { Debug as default };
}

declare module "instrumentation" {
  const Instrumentation: {
    /** undefined in a build without instrumentation. */
    get(what: number | undefined): number | undefined;
    map(name: "XS Slot Heap Used" | "XS Chunk Heap Used"): number | undefined;
  };
  export { Instrumentation as default };
}
