// SNTP (RFC 4330; NTPv4 packet format, RFC 5905 section 7.3): one 48-byte request, one 48-byte reply, over
// UDP port 123. The client's request carries a random Transmit Timestamp that the server must echo as the
// reply's Originate Timestamp: a reply without it is not an answer to this request (a stale or spoofed
// datagram) and is ignored. The device's clock is unset when it asks, so the random nonce is also all the
// request can usefully carry there.
import { CodedError } from "../mqtt/common/coded-error.js";

export type SntpErrorCode =
  | "unresolved" // the server's name did not resolve
  | "no-reply" // no valid reply within the attempts
  | "kiss-of-death" // stratum 0: the server asks us to go away (RFC 4330 section 8)
  | "unsynchronized"; // leap indicator 3: the server's own clock is not set

export class SntpError extends CodedError<SntpErrorCode> {
  override readonly name: string = "SntpError";
}

export const NTP_PORT = 123;
export const SNTP_PACKET_BYTES = 48;
/** Seconds from 1900-01-01 (NTP's era 0) to 1970-01-01 (the Unix epoch). */
const NTP_TO_UNIX_SECONDS = 2_208_988_800;
const MODE_CLIENT = 3;
const MODE_SERVER = 4;
const VERSION = 4;

/** The request: LI 0, VN 4, Mode 3 (client), and the nonce as Transmit Timestamp (bytes 40..47). */
export function sntpRequest(nonceHigh: number, nonceLow: number): Uint8Array {
  const packet = new Uint8Array(SNTP_PACKET_BYTES);
  packet[0] = (VERSION << 3) | MODE_CLIENT;
  const view = new DataView(packet.buffer);
  view.setUint32(40, nonceHigh >>> 0);
  view.setUint32(44, nonceLow >>> 0);
  return packet;
}

/**
 * The server's time in Unix milliseconds from a reply to the request made with this nonce, or undefined
 * when the datagram is not a reply to it (wrong size, mode or originate timestamp: ignore it and keep
 * waiting). Throws SntpError for a reply that is one but must not be used (kiss-of-death, unsynchronised).
 */
export function sntpTime(reply: Uint8Array, nonceHigh: number, nonceLow: number): number | undefined {
  if (reply.length < SNTP_PACKET_BYTES) return undefined;
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const mode = reply[0] & 7;
  if (mode !== MODE_SERVER) return undefined;
  if (view.getUint32(24) !== nonceHigh >>> 0 || view.getUint32(28) !== nonceLow >>> 0) return undefined;
  if (reply[1] === 0) throw new SntpError("kiss-of-death", "the SNTP server sent a kiss-of-death (stratum 0)");
  if (reply[0] >> 6 === 3) throw new SntpError("unsynchronized", "the SNTP server's clock is not synchronised");
  const seconds = view.getUint32(40);
  const fraction = view.getUint32(44);
  if (seconds === 0 && fraction === 0) return undefined; // no Transmit Timestamp: not a usable reply
  // Era 0 ends in 2036: a timestamp that reads before 1970 belongs to era 1 (RFC 4330 section 3).
  const unixSeconds = seconds >= NTP_TO_UNIX_SECONDS ? seconds - NTP_TO_UNIX_SECONDS : seconds + 2 ** 32 - NTP_TO_UNIX_SECONDS;
  return unixSeconds * 1000 + Math.floor((fraction / 2 ** 32) * 1000);
}

/** "host" or "host:port" (port 123 by default). */
export function sntpServer(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  if (colon > 0) {
    const port = Number(text.slice(colon + 1));
    if (Number.isInteger(port) && port > 0 && port < 65536) return { host: text.slice(0, colon), port };
  }
  return { host: text, port: NTP_PORT };
}
