// The Socket port bound to the SDK: Net.resolve, the ECMA-419 TCP socket and the SDK's TLS session.
import TCP from "embedded:io/socket/tcp";
import Net from "net";
import Session from "ssl/session";
import Timer from "timer";
import type { SocketConstructor } from "../../../platform/ports.js";
import { moddableSocketClass, type SocketPlatform } from "../ecma419/tcp-tls-socket.js";

export const ModdableSocket: SocketConstructor = moddableSocketClass({
  resolve: (host, callback) => Net.resolve(host, callback),
  TCP: TCP as unknown as SocketPlatform["TCP"],
  Session: Session as unknown as SocketPlatform["Session"],
  now: () => Date.now(),
  defer: (callback) => Timer.set(callback, 0),
});
