// The XS heap in use after a forced garbage collection, traced every `heapMeterMs` (a config key; 0, the
// default, leaves the meter off and costs nothing, as the module sits in flash). A setup module: the
// runtime calls it before `main`, so its first line is the heap of the runtime and the preloaded modules
// alone, before the app has built anything.
//
//   heap: <ticks ms> chunk <bytes> slot <bytes>
//
// Slots are 16 bytes on esp32 and 32 on lin (64-bit): divide slot bytes by that to compare with the
// manifest's `creation.heap` (a slot count). docs/device.md#measuring-the-heap explains the figures.
import config from "mc/config";
import Debug from "debug";
import Instrumentation from "instrumentation";
import Time from "time";
import Timer from "timer";

function sample(): void {
  Debug.gc();
  // Mapped here, not at the top level: host functions cannot run while the module is preloaded.
  const chunk = Instrumentation.get(Instrumentation.map("XS Chunk Heap Used"));
  const slot = Instrumentation.get(Instrumentation.map("XS Slot Heap Used"));
  trace(`heap: ${Time.ticks} chunk ${chunk} slot ${slot}\n`);
}

let started = false;

export default function heapMeter(done: () => void): void {
  const every = Number(config.heapMeterMs ?? 0);
  // The simulator calls setup modules twice (its screen and its machine setup): one meter is enough.
  if (every > 0 && !started) {
    started = true;
    sample();
    Timer.repeat(sample, every);
  }
  done();
}
