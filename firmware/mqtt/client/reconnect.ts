// When and where the next connection attempt goes: failover between brokers, exponential backoff with full
// jitter, and the persistent-failure policy.
//
// Persistent means the broker has said, in its own words, that it will keep refusing: a TLS alert or a
// verdict on its certificate (TlsError), or a CONNACK that refuses this client (bad credentials, not
// authorised, banned, identifier or protocol rejected). The same refusal `persistentAfter` attempts in a
// row to one broker is reported once as a PersistentFailureError and the backoff cap becomes the long one.
// A refused or cut TCP connection, a DNS failure, a timeout, a server that is unavailable or busy, or a TLS
// check that failed because the device's own clock is unset, is the network or a passing state of the
// broker: never counted, however many, and it ends a streak.
import { TlsError } from "../platform/tls-error.js";
import { ConnackError, PersistentFailureError } from "./client-errors.js";
import type { Broker, MqttClientOptions } from "./options.js";
import { Backoff } from "../common/backoff.js";

/** CONNACK codes that refuse this client for good: 3.1.1 section 3.2.2.3 (0x01 protocol version, 0x02
 *  identifier rejected, 0x04 bad user name or password, 0x05 not authorised) and 5.0 section 3.2.2.2 (0x84
 *  unsupported protocol version, 0x85 client identifier not valid, 0x86 bad user name or password, 0x87 not
 *  authorised, 0x8A banned, 0x8C bad authentication method). */
const REFUSING_CLIENT = [0x01, 0x02, 0x04, 0x05, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c];

/** What makes a failure evidence of a lasting refusal, as a key that is equal for the same refusal; undefined
 *  for everything else. */
export function refusalKey(reason: Error): string | undefined {
  if (reason instanceof TlsError) return reason.code === "clock-unset" ? undefined : `tls ${reason.code} ${reason.alert ?? ""}`;
  if (reason instanceof ConnackError && REFUSING_CLIENT.includes(reason.returnCode)) return `connack ${reason.returnCode}`;
  return undefined;
}

export class ReconnectPolicy {
  readonly brokers: Broker[];
  /** The broker the current or next attempt goes to. */
  index = 0;
  private readonly backoff: Backoff;
  private readonly persistentAfter: number;
  private readonly persistentCap: number;
  /** Per broker: the refusal its attempts end in, and how many in a row (made at the first refusal). */
  private streaks: { key: string; count: number }[] | undefined;

  constructor(options: MqttClientOptions) {
    this.brokers = options.brokers;
    const b = options.backoff;
    this.backoff = new Backoff(b?.base ?? 1000, b?.cap ?? 60_000, options.random ?? Math.random);
    this.persistentAfter = b?.persistentAfter ?? 3;
    this.persistentCap = b?.persistentCap ?? 900_000;
  }

  get broker(): Broker {
    return this.brokers[this.index];
  }

  /** CONNACK accepted: the next failure starts from the base delay, and the broker's streak is over. */
  connected(): void {
    this.backoff.reset();
    if (this.streaks) this.streaks[this.index] = { key: "", count: 0 };
  }

  /** The network is back: whatever the attempts before it met, the next ones start afresh. */
  restart(): void {
    this.backoff.reset();
  }

  /**
   * An attempt that never reached CONNACK failed: counts it against its broker and moves on to the next
   * broker (failover). Returns the PersistentFailureError to report when a streak just reached the limit.
   */
  attemptFailed(reason: Error): PersistentFailureError | undefined {
    const key = refusalKey(reason);
    const streak = this.streaks?.[this.index];
    const count = key === undefined ? 0 : streak?.key === key ? streak.count + 1 : 1;
    if (key !== undefined || streak) (this.streaks ??= [])[this.index] = { key: key ?? "", count };
    const broker = this.broker;
    this.index = (this.index + 1) % this.brokers.length;
    if (count !== this.persistentAfter) return undefined;
    return new PersistentFailureError(reason, count, `${broker.host}:${broker.port}`);
  }

  /** The wait before the next attempt: the long cap while the next broker keeps refusing persistently. */
  nextDelay(): number {
    const streak = this.streaks?.[this.index];
    return this.backoff.next(streak && streak.count >= this.persistentAfter ? this.persistentCap : undefined);
  }
}
