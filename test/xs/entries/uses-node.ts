// Must NOT bundle for XS: it reaches for a Node module (the build has to refuse it).
import { readFileSync } from "node:fs";
import { expose } from "../../../host-sim/xs/runtime/host-channel.js";

expose({ read: (path: string) => readFileSync(path).length });
