// The embedded broker `npm start` runs when no --broker is given: aedes over node:tls, set up like the
// hardened mosquitto deployment (certs/mosquitto.conf, certs/acl) so the device meets the same rules:
// TLS 1.2+, a client certificate from the dev CA is required and refused when the CA's CRL lists it, its
// CN is the identity, and each device may write only below devices/<CN>/ and read only devices/<CN>/config
// and the answers to its renewal requests (devices/<CN>/cert/issued, cert/rejected); "ingest" reads
// devices/+/# and writes devices/+/config; "renewal" reads devices/+/cert/request and answers.
import { Aedes, type Client } from "aedes";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { RENEWAL_IDENTITY } from "../certs/dev-pki.js";

export interface EmbeddedBrokerOptions {
  /** PEM: the CA client certificates must chain to, the broker certificate and its key. */
  ca: string;
  cert: string;
  key: string;
  /** PEM: the CA's revocation list (client certificates on it are refused). */
  crl?: string;
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** CN of the back-end identity (default "ingest"). */
  ingest?: string;
}

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The certificate CN of a connection, or undefined. */
function identityOf(client: Client): string | undefined {
  const cn = (client.conn as TLSSocket).getPeerCertificate?.()?.subject?.CN;
  return typeof cn === "string" ? cn : Array.isArray(cn) ? cn[0] : undefined;
}

/** The ACL of certs/acl: true when `identity` may publish to `topic`. */
export function mayWrite(identity: string, topic: string, ingest = "ingest"): boolean {
  const levels = topic.split("/");
  if (identity === ingest) return levels.length === 3 && levels[0] === "devices" && levels[2] === "config";
  if (identity === RENEWAL_IDENTITY) return levels.length === 4 && levels[0] === "devices" && levels[2] === "cert" && (levels[3] === "issued" || levels[3] === "rejected");
  return levels.length >= 3 && levels[0] === "devices" && levels[1] === identity;
}

/** True when `identity` may subscribe to `filter`. */
export function mayRead(identity: string, filter: string, ingest = "ingest"): boolean {
  if (identity === ingest) return filter === "devices/#" || filter.startsWith("devices/");
  if (identity === RENEWAL_IDENTITY) return filter === "devices/+/cert/request";
  return filter === `devices/${identity}/config` || filter === `devices/${identity}/cert/issued` || filter === `devices/${identity}/cert/rejected`;
}

class AclError extends Error {
  readonly code = "not-authorized";
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const ingest = options.ingest ?? "ingest";
  const identities = new WeakMap<Client, string>();
  const broker = await Aedes.createBroker({
    authenticate(client, _username, _password, done) {
      const identity = identityOf(client);
      if (!identity) {
        const error = Object.assign(new Error("no client certificate identity"), { returnCode: 5 as const });
        return done(error, false);
      }
      identities.set(client, identity);
      done(null, true);
    },
    authorizePublish(client, packet, callback) {
      const identity = client ? identities.get(client) : undefined;
      if (client && (!identity || !mayWrite(identity, packet.topic, ingest))) return callback(new AclError(`${identity} may not write ${packet.topic}`));
      callback(null);
    },
    authorizeSubscribe(client, subscription, callback) {
      const identity = identities.get(client);
      // Refused with SUBACK 0x80 (MQTT 3.1.1 section 3.9.3), the connection stays.
      callback(null, identity && mayRead(identity, subscription.topic, ingest) ? subscription : null);
    },
  });
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer(
    { ca: options.ca, cert: options.cert, key: options.key, ...(options.crl !== undefined ? { crl: options.crl } : {}), requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.2" },
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      broker.handle(socket);
    },
  );
  // A client that fails the handshake is its own problem, not the broker's.
  server.on("tlsClientError", () => {});
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => {
      broker.close();
      reject(error);
    });
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    host,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
