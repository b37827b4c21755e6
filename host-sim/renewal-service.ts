// The reference renewal service of the back end: an MQTT client with the "renewal" identity (certs/acl
// lets it read devices/+/cert/request and answer on devices/<id>/cert/issued or cert/rejected) that
// signs the devices' renewed certificates with the dev CA. For each request it checks that the request's
// signature verifies with its own key (the device holds the key), that its subject is exactly the device
// whose topic it came on (the broker's ACL confines each device to its own topics, so the topic names the
// requester), that the key is RSA of 2048 bits or more, and that the device is not revoked; then it issues a
// client certificate for that key and subject and answers. Used by `npm start` and the tests.
//
//   const service = await startRenewalService({ port, tls: pki.renewalTls, ca: pki.ca.files, days: 825 });
//   service.issued     // [{ deviceId, serial }] so far;  service.rejected: [{ deviceId, reason }]
//   await service.close();
import mqtt from "mqtt";
import { checkRequest, signClientRequest, type CertFiles } from "../certs/pki.js";
import { isRevoked } from "../certs/revocation.js";

export interface RenewalServiceOptions {
  host?: string;
  port: number;
  /** The renewal identity's TLS (PEM) and the name the broker's certificate carries. */
  tls: { ca: string; cert: string; key: string; servername: string };
  /** The CA that signs (its key must be here). */
  ca: CertFiles;
  /** Validity of the certificates it issues (default 825 days). */
  days?: number;
  /** Topic levels before the device id (default "devices"). */
  topicPrefix?: string;
}

export interface RenewalService {
  readonly issued: { deviceId: string; serial: string }[];
  readonly rejected: { deviceId: string; reason: string }[];
  /** Resolves when `count` certificates have been issued in all. */
  issuedCount(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRenewalService(options: RenewalServiceOptions): Promise<RenewalService> {
  const prefix = options.topicPrefix ?? "devices";
  const client = await mqtt.connectAsync(`mqtts://${options.host ?? "127.0.0.1"}:${options.port}`, {
    ...options.tls,
    clientId: `renewal-${Math.random().toString(16).slice(2)}`,
    clean: true,
    reconnectPeriod: 1000,
  });
  const issued: RenewalService["issued"] = [];
  const rejected: RenewalService["rejected"] = [];
  const waiters = new Set<() => void>();
  // One request at a time: each is a few openssl runs.
  let queue: Promise<void> = Promise.resolve();

  const answer = async (deviceId: string, request: Uint8Array): Promise<void> => {
    const refuse = async (reason: string): Promise<void> => {
      rejected.push({ deviceId, reason });
      await client.publishAsync(`${prefix}/${deviceId}/cert/rejected`, JSON.stringify({ reason }), { qos: 1 });
    };
    let facts;
    try {
      facts = checkRequest(request);
    } catch (error) {
      return refuse(`a request that cannot be accepted: ${(error as Error).message}`);
    }
    if (facts.subject !== `CN=${deviceId}`) return refuse(`the request's subject ${facts.subject} is not ${deviceId}`);
    if (facts.keyType !== "rsa" || facts.keyBits < 2048) return refuse(`a ${facts.keyType} key of ${facts.keyBits} bits: RSA 2048 or more`);
    if (await isRevoked(options.ca, deviceId)) return refuse(`${deviceId} is revoked`);
    const certificate = await signClientRequest(options.ca, request, options.days ?? 825);
    await client.publishAsync(`${prefix}/${deviceId}/cert/issued`, Buffer.from(certificate.der), { qos: 1 });
    issued.push({ deviceId, serial: certificate.serial });
    for (const wake of waiters) wake();
  };

  client.on("message", (topic, payload) => {
    const levels = topic.split("/");
    const deviceId = levels[levels.length - 3];
    const request = new Uint8Array(payload);
    queue = queue.then(() => answer(deviceId, request)).catch((error: Error) => {
      rejected.push({ deviceId, reason: `the service failed: ${error.message}` });
    });
  });
  await client.subscribeAsync(`${prefix}/+/cert/request`, { qos: 1 });

  return {
    issued,
    rejected,
    issuedCount(count, timeoutMs = 60_000) {
      if (issued.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`renewal service: ${issued.length} of ${count} certificates issued in ${timeoutMs} ms (rejected: ${JSON.stringify(rejected)})`));
        }, timeoutMs);
        const wake = (): void => {
          if (issued.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
    async close() {
      await queue;
      await client.endAsync();
    },
  };
}
