// The lin simulator's Wi-Fi (it has no radio): the firmware's simulated interface (platform/simulated-wifi.ts)
// on airwaves that a file says are there or not: `<files root>/simulator/airwaves` holding "down" takes
// every network away, anything else (or no file) puts them all in range. Read once a second, so a test or a
// developer can take the network away under a running simulator and bring it back. The manifest maps the
// module "platform/moddable/wifi" to this file on lin.
import Modules from "modules";
import Timer from "timer";
import type { WiFiConstructor, WiFiOptions } from "../ports.js";
import type { FilesDirectory } from "../files-storage.js";
import { Airwaves, SimulatedWiFi, type SimulatedWiFiSettings } from "../simulated-wifi.js";
import { moddableClock } from "../../mqtt/platform/moddable/clock.js";

const DIRECTORY = "simulator";
const FILE = "airwaves";
const POLL_MS = 1000;

interface FilesRoot extends FilesDirectory {
  createDirectory(path: string): boolean;
  openDirectory(options: { path: string }): FilesDirectory;
}

/** Whether the airwaves file says "down". */
function down(directory: FilesDirectory): boolean {
  const status = directory.status(FILE);
  if (!status.isFile() || status.size === 0) return false;
  const file = directory.openFile({ path: FILE, mode: "r" });
  try {
    return String.fromArrayBuffer(file.read(Math.min(status.size, 16), 0)).trim() === "down";
  } finally {
    file.close();
  }
}

/** The airwaves of this run, made by wifiClass(). */
let settings: SimulatedWiFiSettings | undefined;

/** Defined at the module's top level, so the class is preloaded (in flash), not built in RAM. */
class SimulatorWiFi extends SimulatedWiFi {
  constructor(options: WiFiOptions) {
    super(options, settings as SimulatedWiFiSettings);
  }
}

export function wifiClass(): WiFiConstructor {
  trace("wifi: simulated (lin); take it away with the file simulator/airwaves\n");
  // Before any connection: a write to a socket the peer closed fails as on the board instead of ending the
  // simulator (firmware/platform/moddable/lin/socket-signals.c). A JavaScript module with a native: no typings.
  (Modules.importNow("platform/moddable/lin/socket-signals") as () => void)();
  const root = Modules.importNow("embedded:storage/files") as FilesRoot;
  root.createDirectory(DIRECTORY);
  const directory = root.openDirectory({ path: DIRECTORY });
  const airwaves = new Airwaves();
  let wasDown = false;
  Timer.repeat(() => {
    const isDown = down(directory);
    if (isDown === wasDown) return;
    wasDown = isDown;
    trace(`wifi: airwaves ${isDown ? "down" : "up"}\n`);
    if (isDown) airwaves.nowhere();
    else airwaves.everywhere();
  }, POLL_MS);
  settings = { airwaves, clock: moddableClock, associationMs: 1000 };
  return SimulatorWiFi;
}
