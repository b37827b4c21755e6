// How the client calls the application: every callback with the options object as `this` (so a shared
// function reaches its owner as `this.target`, see MqttClientOptions.target), and an exception thrown by a
// callback reported through onError instead of unwinding into the client's socket or timer code.
import { asError } from "../common/as-error.js";
import type { Properties } from "../codec/packets.js";
import type { MqttClientOptions, SubscribeCallback } from "./options.js";
import type { OutgoingMessage } from "./outgoing.js";

/** Calls `callback` (one of the options' on... callbacks) with `arg`. */
export function call<A>(options: MqttClientOptions, callback: ((arg: A) => void) | undefined, arg?: A): void {
  if (!callback) return;
  try {
    callback.call(options, arg as A);
  } catch (error) {
    if (callback !== options.onError) call(options, options.onError, asError(error));
  }
}

/** Completes a message: its `done` is called exactly once (and forgotten), with the message's target as `this`
 *  and the error when it failed. */
export function complete(options: MqttClientOptions, m: OutgoingMessage, error?: Error): void {
  const done = m.done;
  if (!done) return;
  m.done = undefined;
  try {
    done.call(m.target, error);
  } catch (thrown) {
    call(options, options.onError, asError(thrown));
  }
}

/** Settles a SUBSCRIBE / UNSUBSCRIBE request with its reason codes (or the error that ended it). */
export function settle(
  options: MqttClientOptions,
  done: SubscribeCallback | undefined,
  error: Error | undefined,
  codes: number[],
  packet?: { properties?: Properties },
): void {
  if (!done) return;
  try {
    done(error, codes, packet);
  } catch (thrown) {
    call(options, options.onError, asError(thrown));
  }
}
