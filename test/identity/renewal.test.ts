// The certificate renewal job (firmware/identity/renewal.ts) with a fake client and a manual clock: when it
// asks, what it asks (a PKCS#10 request the dev CA accepts), what it does with the answer, and how it backs
// out of a certificate the broker refuses.
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { CredentialStore } from "../../firmware/identity/credential-store.js";
import { DeviceIdentity } from "../../firmware/identity/device-identity.js";
import { IdentityError } from "../../firmware/identity/identity-error.js";
import { CertificateRenewal, type RenewalClient, type RenewalEvent } from "../../firmware/identity/renewal.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import type { PublishOptions, SubscribeCallback } from "../../firmware/mqtt/client/options.js";
import type { Subscription } from "../../firmware/mqtt/codec/packets.js";
import { checkRequest, ensureLeaf } from "../../certs/pki.js";
import { nodeSigner } from "../../host-sim/platform/node-signer.js";
import { ensureDevPki, type TestPki } from "../../support/certs.js";
import { provisionedFlash, reissue, serialOf } from "../../support/identities.js";
import { ManualClock } from "../support/manual-clock.js";
import { deviceTopics } from "../../firmware/telemetry/device-topics.js";
import { join } from "node:path";
import { readFileSync } from "node:fs";

const DAY = 86_400_000;
const TOPICS = { request: "devices/wearable-soon/cert/request", issued: "devices/wearable-soon/cert/issued", rejected: "devices/wearable-soon/cert/rejected" };

class Client implements RenewalClient {
  connected = true;
  published: { topic: string; payload: Uint8Array; options?: PublishOptions }[] = [];
  subscribed: Subscription[] = [];
  reconnects = 0;
  unsubscribed: string[] = [];
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): void {
    this.published.push({ topic, payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload, options });
  }
  subscribe(subscriptions: Subscription[], _options?: undefined, _done?: SubscribeCallback): void {
    this.subscribed.push(...subscriptions);
  }
  reconnect(): void {
    this.reconnects++;
  }
  unsubscribe(topicFilters: string[]): void {
    this.unsubscribed.push(...topicFilters);
  }
}

let pki: TestPki;
/** A device whose certificate expires in 10 days, its key, and a certificate the CA would renew it with. */
let soon: { cert: Uint8Array; key: Uint8Array };
let renewed: Uint8Array;

beforeAll(async () => {
  pki = await ensureDevPki();
  const files = (await ensureLeaf(join(pki.dir, "renewal-test"), { name: "soon", issuer: pki.ca.files, cn: "wearable-soon", usage: "client", notAfterDays: 10 })).files;
  soon = { cert: new Uint8Array(readFileSync(files.certDer)), key: new Uint8Array(readFileSync(files.keyDer)) };
  renewed = await reissue(pki, soon.cert, soon.key, 400);
}, 120_000);

function setUp(options: { marginDays?: number; cert?: Uint8Array } = {}) {
  const clock = new ManualClock();
  clock.setWallTime(Date.now());
  const flash = provisionedFlash({ key: soon.key, certificate: options.cert ?? soon.cert, chain: [], authorities: [new Uint8Array(pki.ca.certDer)] });
  const identity = new DeviceIdentity(new CredentialStore(flash));
  const client = new Client();
  const errors: Error[] = [];
  const events: RenewalEvent["kind"][] = [];
  let forgotten = 0;
  const renewal = new CertificateRenewal({
    identity,
    sign: nodeSigner,
    clock,
    ...(options.marginDays !== undefined ? { marginDays: options.marginDays } : {}),
    owner: { client, topics: deviceTopics("wearable-soon"), error: (e) => errors.push(e), renewal: (e) => events.push(e.kind) },
    forgetTlsSession: () => forgotten++,
  });
  return { clock, flash, identity, client, errors, events, renewal, forgotten: () => forgotten };
}

describe("certificate renewal", () => {
  it("asks nothing, and holds no subscription, while the certificate has more than the margin left; looks again every few hours of deliveries", () => {
    const s = setUp({ marginDays: 5 });
    s.renewal.connected();
    expect(s.client.published).toEqual([]);
    expect(s.client.subscribed).toEqual([]);
    // Five days later it is within the margin: the next delivery after the six-hourly mark looks again.
    s.clock.advance(5 * DAY);
    s.renewal.delivered();
    expect(s.client.published.map((p) => p.topic)).toEqual([TOPICS.request]);
    expect(s.client.subscribed).toEqual([{ topicFilter: TOPICS.issued, qos: 1 }, { topicFilter: TOPICS.rejected, qos: 1 }]);
    s.renewal.delivered(); // asked already: not again within the hour
    expect(s.client.published).toHaveLength(1);
  });

  it("within the margin (default 30 days), asks once connected: a request for its own subject and key, signed by its key, QoS 1", () => {
    const s = setUp();
    s.clock.setWallTime(undefined as unknown as number); // the clock unset: dates cannot be judged
    s.renewal.connected();
    expect(s.client.published).toEqual([]);
    s.clock.setWallTime(Date.now());
    s.renewal.connected();
    expect(s.client.published).toHaveLength(1);
    const [request] = s.client.published;
    expect(request.options).toEqual({ qos: 1 });
    expect(checkRequest(request.payload)).toEqual({ subject: "CN=wearable-soon", keyType: "rsa", keyBits: 2048 });
    expect(s.events).toEqual(["requested"]);
    // Not again at every connection: an hour must pass first.
    s.renewal.connected();
    expect(s.client.published).toHaveLength(1);
    s.clock.advance(61 * 60_000);
    s.renewal.connected();
    expect(s.client.published).toHaveLength(2);
  });

  it("stores the issued certificate on trial, points TLS at it, forgets the TLS session and reconnects; the connection confirms it", () => {
    const s = setUp();
    s.renewal.connected();
    expect(s.renewal.message(TOPICS.issued, renewed)).toBe(true);
    expect(s.errors).toEqual([]);
    expect(s.identity.store.onTrial).toBe(true);
    expect(serialOf(s.identity.tls.clientCertificates![0] as Uint8Array)).toBe(serialOf(renewed));
    expect(s.forgotten()).toBe(1);
    expect(s.client.reconnects).toBe(1);
    expect(s.renewal.status).toEqual({ expires: Math.floor(Date.parse(new X509Certificate(renewed).validTo) / 1000), renewals: 0 });
    s.renewal.connected();
    expect(s.identity.store.onTrial).toBe(false);
    expect(s.renewal.status.renewals).toBe(1);
    expect(s.client.unsubscribed).toEqual([TOPICS.issued, TOPICS.rejected]); // no answer awaited any more
    expect(s.events).toEqual(["requested", "storing", "stored", "confirmed"]);
    // A year left now: nothing more to ask.
    expect(s.client.published).toHaveLength(1);
  });

  it("ignores an answer when none is awaited: a second answer to the same request, or one before any request", async () => {
    const s = setUp();
    s.renewal.message(TOPICS.issued, renewed); // nothing asked yet
    expect(s.identity.store.onTrial).toBe(false);
    s.renewal.connected();
    s.renewal.message(TOPICS.issued, renewed);
    s.renewal.connected();
    expect(s.renewal.status.renewals).toBe(1);
    // The answer delivered again after the renewal's reconnection (it came before the PUBACK): let be.
    const again = await reissue(pki, soon.cert, soon.key, 400);
    s.renewal.message(TOPICS.issued, again);
    expect(s.errors).toEqual([]);
    expect(s.identity.store.onTrial).toBe(false);
    expect(serialOf(s.identity.tls.clientCertificates![0] as Uint8Array)).toBe(serialOf(renewed));
    expect(s.events).toEqual(["requested", "storing", "stored", "confirmed"]);
  });

  it("refuses a certificate for another device, another key, or no later than its own", async () => {
    const other = await reissue(pki, new Uint8Array(pki.device.certDer), new Uint8Array(pki.device.keyDer), 400);
    const s = setUp();
    s.renewal.connected();
    s.renewal.message(TOPICS.issued, other);
    s.renewal.message(TOPICS.issued, soon.cert);
    s.renewal.message(TOPICS.issued, new Uint8Array([0x30, 0x03, 1, 2, 3]));
    expect(s.errors.map((e) => (e as IdentityError).code)).toEqual(["renewal-invalid", "renewal-invalid", "malformed"]);
    expect(s.identity.store.onTrial).toBe(false);
    expect(s.client.reconnects).toBe(0);
  });

  it("a renewed certificate the broker refuses is given up: back to the old one, the session forgotten, reported", () => {
    const s = setUp();
    s.renewal.connected();
    s.renewal.message(TOPICS.issued, renewed);
    s.renewal.failed(new NetworkError("connection-refused", "down")); // the network: not a verdict on the certificate
    expect(s.identity.store.onTrial).toBe(true);
    s.renewal.failed(new TlsError("bad-certificate", "the server sent alert 42", 42));
    expect(s.identity.store.onTrial).toBe(false);
    expect(serialOf(s.identity.tls.clientCertificates![0] as Uint8Array)).toBe(serialOf(soon.cert));
    expect(s.forgotten()).toBe(2);
    expect(s.errors.map((e) => (e as IdentityError).code)).toEqual(["renewed-refused"]);
    expect(s.events).toEqual(["requested", "storing", "stored", "abandoned"]);
  });

  it("reports the renewal service's refusal, and ignores other topics", () => {
    const s = setUp();
    expect(s.renewal.message("devices/wearable-soon/config", new Uint8Array(1))).toBe(false);
    s.renewal.connected();
    s.renewal.message(TOPICS.rejected, new TextEncoder().encode('{"reason":"wearable-soon is revoked"}'));
    expect(s.client.unsubscribed).toEqual([TOPICS.issued, TOPICS.rejected]);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toBeInstanceOf(IdentityError);
    expect(s.errors[0].message).toMatch(/refused: .*revoked/);
  });
});
