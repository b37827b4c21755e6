// The Socket port bound to the SDK: Net.resolve, the ECMA-419 TCP socket and the SDK's TLS socket.
import TCP from "embedded:io/socket/tcp";
import TLSSocket from "embedded:io/socket/tcp/tls";
import Net from "net";
import type { SocketConstructor } from "../ports.js";
import { moddableSocketClass, type SocketPlatform } from "./socket-binding.js";

export const ModdableSocket: SocketConstructor = moddableSocketClass({
  resolve: (host, callback) => Net.resolve(host, callback),
  TCP: TCP as unknown as SocketPlatform["TCP"],
  TLSSocket: TLSSocket as unknown as SocketPlatform["TLSSocket"],
  now: () => Date.now(),
});
