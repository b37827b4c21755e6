// The Socket port bound to the SDK: Net.resolve, the ECMA-419 TCP socket and the SDK's TLS session.
import TCP from "embedded:io/socket/tcp";
import Net from "net";
import SSLAlert from "ssl/alert";
import Session from "ssl/session";
import Timer from "timer";
import type { SocketConstructor } from "../../../platform/ports.js";
import { moddableSocketClass, type SocketPlatform } from "../ecma419/tcp-tls-socket.js";

/** The SDK's parts, for ModdableSocket (and for an app that watches them: bench/device-apps/tls-resume). */
export const sdkSocketPlatform: SocketPlatform = {
  resolve: (host, callback) => Net.resolve(host, callback),
  TCP: TCP as unknown as SocketPlatform["TCP"],
  Session: Session as unknown as SocketPlatform["Session"],
  now: () => Date.now(),
  defer: (callback) => Timer.set(callback, 0),
  // The session's own close() sends the alert with level 0, which a broker on OpenSSL refuses ("unknown
  // alert type": a protocol error that ends the session); warning (1), close_notify (0) is the alert.
  closeNotify: (session, socket) => (session as unknown as Alerting).doProtocol(socket, SSLAlert, 1, SSLAlert.close_notify),
};

export const ModdableSocket: SocketConstructor = moddableSocketClass(sdkSocketPlatform);

/** session_419.js writes a record of one of its protocols (here the alert) with doProtocol. */
interface Alerting {
  doProtocol(socket: object, protocol: object, level: number, description: number): void;
}
