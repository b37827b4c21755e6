// An SNTP server (RFC 4330 section 5) on a free UDP port of the loopback, for the tests and benches that
// need a device's clock set the way the device sets it: it answers each client request with the host's
// time (or `offsetMs` from it), echoing the request's Transmit Timestamp as Originate. `blocked` drops every
// request, as a network that filters NTP does.
import { createSocket } from "node:dgram";

const NTP_TO_UNIX_SECONDS = 2_208_988_800;

export interface SntpServer {
  readonly port: number;
  /** Requests answered. */
  readonly answered: number;
  /** Requests seen, answered or not. */
  readonly requests: number;
  blocked: boolean;
  offsetMs: number;
  close(): Promise<void>;
}

export async function startSntpServer(): Promise<SntpServer> {
  const socket = createSocket("udp4");
  const server = {
    port: 0,
    answered: 0,
    requests: 0,
    blocked: false,
    offsetMs: 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on("message", (request, from) => {
    server.requests++;
    if (server.blocked) return;
    const reply = sntpReply(request, Date.now() + server.offsetMs);
    if (!reply) return;
    server.answered++;
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  server.port = socket.address().port;
  return server;
}

/** A server's reply to an SNTP client request, telling `nowMs`; undefined for what is not a client request. */
export function sntpReply(request: Uint8Array, nowMs: number): Uint8Array | undefined {
  if (request.length < 48 || (request[0] & 7) !== 3) return undefined;
  const reply = new Uint8Array(48);
  const view = new DataView(reply.buffer);
  reply[0] = (4 << 3) | 4; // LI 0, VN 4, mode 4 (server)
  reply[1] = 1; // stratum 1
  reply.set(request.subarray(40, 48), 24); // Originate = the client's Transmit
  const seconds = Math.floor(nowMs / 1000) + NTP_TO_UNIX_SECONDS;
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 2 ** 32);
  for (const at of [32, 40]) {
    view.setUint32(at, seconds >>> 0); // Receive and Transmit
    view.setUint32(at + 4, fraction >>> 0);
  }
  return reply;
}
