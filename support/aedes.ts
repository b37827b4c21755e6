// aedes (MQTT 3.1.1) as an in-process broker over node:tls with client certificates from the test PKI.
// In-process means tests can watch what the broker received (`published`) and hold or drop its traffic.
import { Aedes, type AedesPublishPacket } from "aedes";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { TestPki } from "./certs.js";

export interface AedesBroker {
  readonly broker: Aedes;
  readonly port: number;
  /** Plain MQTT listener (for packet-level faults through the proxy), when asked for. */
  readonly plainPort: number;
  /** Every PUBLISH the broker accepted from a client, in order. */
  readonly published: AedesPublishPacket[];
  /** Live client connections (TLS sockets, and plain ones typed alike), e.g. to cut them. */
  readonly sockets: Set<TLSSocket>;
  close(): Promise<void>;
}

export async function startAedes(pki: TestPki, options: { requireCertificate?: boolean; plain?: boolean } = {}): Promise<AedesBroker> {
  const broker = await Aedes.createBroker();
  const published: AedesPublishPacket[] = [];
  broker.on("publish", (packet, client) => {
    if (client) published.push(packet);
  });
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer(
    {
      cert: pki.broker.certPem,
      key: pki.broker.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: options.requireCertificate !== false,
      minVersion: "TLSv1.2",
    },
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      broker.handle(socket);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let plainServer: NetServer | undefined;
  if (options.plain) {
    plainServer = createNetServer((socket) => {
      sockets.add(socket as TLSSocket);
      socket.on("close", () => sockets.delete(socket as TLSSocket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve) => plainServer!.listen(0, "127.0.0.1", resolve));
  }
  const plainPort = plainServer ? (plainServer.address() as { port: number }).port : 0;
  return {
    broker,
    port,
    plainPort,
    published,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (plainServer) await new Promise<void>((resolve) => plainServer.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
