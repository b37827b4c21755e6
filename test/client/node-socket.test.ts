// The host socket binding: TLS options from the firmware's DER TlsOptions, SNI, ALPN, typed TLS errors.
import { createServer, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "../../firmware/platform/ports.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { ensureDevPki, type TestPki } from "../../support/certs.js";

let pki: TestPki;
let port = 0;
const accepted: TLSSocket[] = [];
let server: ReturnType<typeof createServer>;

beforeAll(async () => {
  pki = await ensureDevPki();
  server = createServer(
    { cert: pki.broker.certPem, key: pki.broker.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["x-amzn-mqtt-ca", "mqtt"] },
    (socket) => {
      accepted.push(socket);
      socket.on("data", (d) => socket.write(d)); // echo
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of accepted) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function open(secure: ConstructorParameters<typeof NodeSocket>[0]["secure"], host = "localhost"): Promise<{ socket: Socket; error?: Error; echoed?: string }> {
  return new Promise((resolve) => {
    const socket: Socket = new NodeSocket({
      host,
      address: "127.0.0.1",
      port,
      secure,
      onWritable: () => {
        socket.write(new TextEncoder().encode("ping"));
      },
      onReadable: () => {
        const data = socket.read();
        resolve({ socket, echoed: data ? Buffer.from(data).toString() : undefined });
      },
      onError: (error) => resolve({ socket, error }),
    });
  });
}

describe("host socket binding over node:tls", () => {
  it("mutual TLS from DER options; sends SNI and offers ALPN", async () => {
    const { socket, echoed } = await open({ ...pki.deviceTls(), applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca" });
    expect(echoed).toBe("ping");
    const last = accepted[accepted.length - 1];
    expect(last.servername).toBe("localhost");
    expect(last.alpnProtocol).toBe("x-amzn-mqtt-ca");
    socket.close();
  });

  it("an unknown CA is TlsError certificate-unknown", async () => {
    const { error } = await open({ ...pki.deviceTls(), certificate: pki.odd.otherCa.certDer });
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).code).toBe("certificate-unknown");
  });

  it("a name not in the SAN is TlsError hostname-mismatch", async () => {
    const { error } = await open(pki.deviceTls(), "not-the-broker.example");
    expect((error as TlsError).code).toBe("hostname-mismatch");
  });

  it("verify: false skips the server check (explicit opt-out only)", async () => {
    const { echoed, socket } = await open({ ...pki.deviceTls(), certificate: pki.odd.otherCa.certDer, verify: false });
    expect(echoed).toBe("ping");
    socket.close();
  });

  for (const [odd, code] of [
    ["expiredServer", "expired"],
    ["selfSignedServer", "certificate-unknown"],
    ["cnOnlyServer", "hostname-mismatch"],
  ] as const) {
    it(`a server with the ${odd} certificate is TlsError ${code}`, async () => {
      const identity = pki.odd[odd];
      const bad = createServer({ cert: identity.certPem, key: identity.keyPem });
      await new Promise<void>((resolve) => bad.listen(0, "127.0.0.1", resolve));
      try {
        const error = await new Promise<Error | undefined>((resolve) => {
          new NodeSocket({
            host: "localhost",
            address: "127.0.0.1",
            port: (bad.address() as { port: number }).port,
            secure: pki.deviceTls(),
            onWritable: () => resolve(undefined),
            onError: (e) => resolve(e),
          });
        });
        expect(error).toBeInstanceOf(TlsError);
        expect((error as TlsError).code).toBe(code);
      } finally {
        await new Promise<void>((resolve) => bad.close(() => resolve()));
      }
    });
  }
});
