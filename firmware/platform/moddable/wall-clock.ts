// The TLS stack checks certificate dates against Date.now(), so nothing connects before the wall clock
// is set. On esp32 the network setup of manifest_net (setup/network) normally did it by SNTP before
// main ran; when that failed, ask again here, retrying, until a time arrives. The simulator has the
// host's clock.
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import { moddableClock } from "./clock.js";

const RETRY_MS = 30_000;

export function whenClockSet(server: string | undefined, then: () => void): void {
  if (moddableClock.wallTime() !== undefined) return then();
  if (!server) {
    trace("clock: not set and no sntp server configured; waiting\n");
    Timer.set(() => whenClockSet(server, then), RETRY_MS);
    return;
  }
  new SNTP({ host: server }, (message, value) => {
    if (message === SNTP.time && value !== undefined) {
      Time.set(value);
      trace(`clock: set by SNTP from ${server}\n`);
      then();
    } else if (message === SNTP.error) {
      trace(`clock: no time from ${server}; retrying in ${RETRY_MS / 1000} s\n`);
      Timer.set(() => whenClockSet(server, then), RETRY_MS);
    }
  });
}
