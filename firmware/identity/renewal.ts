// Renewal of the device certificate over MQTT, before it expires. Once connected with the clock set, and
// again every few hours while readings are delivered, the device checks its certificate: within `marginDays` of
// its notAfter it subscribes to the answers and publishes a PKCS#10 request for the same key and subject
// (csr.ts) on devices/<id>/cert/request; the renewal service answers on devices/<id>/cert/issued with the
// certificate, or on cert/rejected with a reason. The broker's ACL lets each device write and read only its
// own topics, so the service knows who asks. Between renewals the job holds no subscription and no timer.
//
// A certificate that comes back is checked (this device's CN, this key, a later notAfter), written to the
// credentials store as a new record on trial (credential-store.ts: the old one stays until the new one has
// connected once), and the client reconnects at once with it, without a TLS session resumed with the old
// one. Connected: the new record is confirmed and the renewal counted in the status. Refused by the broker:
// the old record is used again and the refusal reported. Readings wait in the outbox meanwhile, as they do
// for any reconnection.
import { ConnackError } from "../mqtt/client/client-errors.js";
import type { PublishOptions, SubscribeCallback } from "../mqtt/client/options.js";
import type { Subscription } from "../mqtt/codec/packets.js";
import { asError } from "../mqtt/common/as-error.js";
import { decodeUtf8 } from "../mqtt/common/utf8.js";
import { knownWallTime } from "../mqtt/common/wall-clock.js";
import { TlsError } from "../mqtt/platform/tls-error.js";
import type { Clock, Signer } from "../platform/ports.js";
import { certificateTopics, type DeviceTopics } from "../telemetry/device-topics.js";
import { readCertificate } from "./certificate.js";
import { certificationRequest } from "./csr.js";
import { sameBytes } from "./der.js";
import type { DeviceIdentity } from "./device-identity.js";
import { IdentityError } from "./identity-error.js";

const HOUR = 3_600_000;
/** How often a connected device delivering readings looks at its certificate's dates. */
const CHECK_EVERY_MS = 6 * HOUR;
/** A request left unanswered is made again after this long (at a connection or a check). */
const REQUEST_AGAIN_MS = HOUR;
export const DEFAULT_RENEWAL_MARGIN_DAYS = 30;

/** What the renewal needs of the MQTT client (MqttClient has it). */
export interface RenewalClient {
  readonly connected: boolean;
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): void;
  subscribe(subscriptions: Subscription[], options?: undefined, done?: SubscribeCallback): void;
  unsubscribe(topicFilters: string[]): void;
  /** Drops the connection in hand cleanly and connects again at once (with the credentials now in `secure`). */
  reconnect(): void;
}

export type RenewalEvent =
  | { kind: "requested"; notAfter: number }
  | { kind: "storing"; notAfter: number }
  | { kind: "stored"; notAfter: number }
  | { kind: "confirmed"; notAfter: number }
  | { kind: "abandoned"; notAfter: number };

/** The app the job works for: its client, its topics (the renewal's are below them, `<prefix>/<id>/cert/`,
 *  device-topics.ts), and where errors and steps are reported. */
export interface RenewalOwner {
  readonly client: RenewalClient;
  readonly topics: DeviceTopics;
  error(error: Error): void;
  renewal?(event: RenewalEvent): void;
}

export interface RenewalOptions {
  identity: DeviceIdentity;
  sign: Signer;
  clock: Clock;
  /** Renew when the certificate has less than this many days left (default 30). */
  marginDays?: number;
  owner: RenewalOwner;
  /** Forgets a TLS session cached for resumption, so the next connection shows the certificate now in use. */
  forgetTlsSession?: () => void;
}

/** Whether the broker refused this client's certificate (not the network, not the device's own verdict on
 *  the broker's certificate). */
function refusesCertificate(error: Error): boolean {
  const reason = error instanceof TlsError ? error : undefined;
  if (reason) return reason.code === "bad-certificate" || reason.code === "certificate-revoked" || reason.code === "certificate-required";
  return error instanceof ConnackError && (error.returnCode === 0x05 || error.returnCode === 0x87);
}

export class CertificateRenewal {
  readonly #identity: DeviceIdentity;
  readonly #sign: Signer;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #owner: RenewalOwner;
  readonly #forget: (() => void) | undefined;
  /** Ticks of the last request, NaN when none is waiting for an answer (nor subscribed to). */
  #requestedAt = Number.NaN;
  /** Ticks of the last look at the dates. */
  #checkedAt = Number.NaN;
  /** Renewals confirmed since start. */
  renewals = 0;

  constructor(options: RenewalOptions) {
    this.#identity = options.identity;
    this.#sign = options.sign;
    this.#clock = options.clock;
    this.#marginMs = (options.marginDays ?? DEFAULT_RENEWAL_MARGIN_DAYS) * 24 * HOUR;
    this.#owner = options.owner;
    this.#forget = options.forgetTlsSession;
  }

  /** For the status: the certificate's notAfter (seconds since the epoch) and the renewals since start. */
  get status(): { expires: number; renewals: number } {
    return { expires: Math.floor(this.#identity.notAfter / 1000), renewals: this.renewals };
  }

  /** The client connected: a certificate on trial has worked; and is it time to ask for a new one? */
  connected(): void {
    const store = this.#identity.store;
    if (store.onTrial) {
      try {
        store.confirm();
        this.renewals++;
        this.done();
        this.#owner.renewal?.({ kind: "confirmed", notAfter: this.#identity.notAfter });
      } catch (error) {
        this.#owner.error(asError(error));
      }
    }
    this.check();
  }

  /** Readings were delivered: a connected device looks at its dates again every few hours. */
  delivered(): void {
    if (!(this.#clock.ticks() - this.#checkedAt < CHECK_EVERY_MS)) this.check();
  }

  /** A connection attempt failed: a certificate on trial that the broker refuses is given up. */
  failed(error: Error): void {
    const identity = this.#identity;
    if (!identity.store.onTrial || !refusesCertificate(error)) return;
    try {
      identity.store.abandon();
      identity.refresh();
      this.#forget?.();
    } catch (failure) {
      this.#owner.error(asError(failure));
      return;
    }
    this.#owner.error(new IdentityError("renewed-refused", `the broker refused the renewed certificate (${error.message}): back to the previous one`));
    this.#owner.renewal?.({ kind: "abandoned", notAfter: identity.notAfter });
  }

  /** A message on one of this job's topics; false for any other topic. */
  message(topic: string, payload: Uint8Array): boolean {
    const topics = certificateTopics(this.#owner.topics);
    if (topic === topics.issued) this.issued(payload);
    else if (topic === topics.rejected) {
      this.done();
      let reason: string;
      try {
        reason = decodeUtf8(payload, 0, payload.length);
      } catch {
        reason = `${payload.length} bytes that are not UTF-8`;
      }
      this.#owner.error(new IdentityError("renewal-refused", `the renewal service refused: ${reason}`));
    } else return false;
    return true;
  }

  /** Checks the certificate's dates now, and asks for a new one when it is time. */
  check(): void {
    const now = knownWallTime(this.#clock);
    const identity = this.#identity;
    if (now === undefined || !this.#owner.client.connected || identity.store.onTrial) return;
    this.#checkedAt = this.#clock.ticks();
    if (identity.notAfter - now > this.#marginMs) return;
    if (this.#clock.ticks() - this.#requestedAt < REQUEST_AGAIN_MS) return;
    try {
      this.request();
    } catch (error) {
      this.#owner.error(asError(error));
    }
  }

  private request(): void {
    const identity = this.#identity;
    const credentials = identity.store.credentials;
    const current = readCertificate(credentials.certificate);
    const sign = this.#sign;
    const request = certificationRequest(current.subject, current.publicKey, (info) => sign(credentials.key, info));
    const topics = certificateTopics(this.#owner.topics);
    // Subscribed for as long as an answer is awaited; on a persistent session the broker keeps the answer
    // for a device that is away when it comes.
    if (Number.isNaN(this.#requestedAt)) this.#owner.client.subscribe([{ topicFilter: topics.issued, qos: 1 }, { topicFilter: topics.rejected, qos: 1 }]);
    this.#owner.client.publish(topics.request, request, { qos: 1 });
    this.#requestedAt = this.#clock.ticks();
    this.#owner.renewal?.({ kind: "requested", notAfter: identity.notAfter });
  }

  /** No answer is awaited any more. */
  private done(): void {
    if (Number.isNaN(this.#requestedAt)) return;
    this.#requestedAt = Number.NaN;
    const topics = certificateTopics(this.#owner.topics);
    this.#owner.client.unsubscribe([topics.issued, topics.rejected]);
  }

  /** A certificate from the renewal service: checked, stored on trial, and connected with. */
  private issued(payload: Uint8Array): void {
    const identity = this.#identity;
    try {
      if (identity.store.onTrial) return; // one renewal at a time: this one is being tried
      // No request awaited: the answer delivered again (the renewal reconnects before the client has
      // acknowledged it, so the broker resends it on the new connection, after the CONNACK that confirmed the
      // renewal), or one from before a restart. A new request follows when one is due.
      if (Number.isNaN(this.#requestedAt)) return;
      const issued = readCertificate(payload);
      const current = readCertificate(identity.store.credentials.certificate);
      if (issued.commonName !== identity.deviceId) throw new IdentityError("renewal-invalid", `the issued certificate names ${issued.commonName ?? "no one"}, not ${identity.deviceId}`);
      if (!sameBytes(issued.publicKey, 0, issued.publicKey.length, current.publicKey)) throw new IdentityError("renewal-invalid", "the issued certificate is for another key");
      if (issued.notAfter <= current.notAfter) throw new IdentityError("renewal-invalid", "the issued certificate expires no later than the current one");
      this.#owner.renewal?.({ kind: "storing", notAfter: issued.notAfter });
      identity.store.stage(issued.der);
      identity.refresh();
      this.#forget?.();
    } catch (error) {
      this.#owner.error(asError(error));
      return;
    }
    this.#owner.renewal?.({ kind: "stored", notAfter: identity.notAfter });
    this.#owner.client.reconnect();
  }
}
