// The UDP port (for SNTP) bound to the SDK: the ECMA-419 UDP socket, and Net.resolve for names.
import UDP from "embedded:io/socket/udp";
import Net from "net";
import type { Resolve, UdpConstructor } from "../ports.js";

export const ModdableUdp: UdpConstructor = UDP as unknown as UdpConstructor;

export const moddableResolve: Resolve = (host, callback) => Net.resolve(host, callback);
