// What ends the CLI: a refusal that persists, and refused identities; not the network coming and going, not a
// port that cuts every handshake, and not one failed handshake.
import { describe, expect, it } from "vitest";
import { ClientError, ConnackError, PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { fatalReason } from "../../host-sim/cli/fatal.js";

describe("fatal errors", () => {
  it("stops when the same handshake failure persists, naming the broker, the attempts and the cause", () => {
    const cause = new TlsError("certificate-unknown", "server chain does not lead to a configured CA");
    expect(fatalReason(new PersistentFailureError(cause, 3, "localhost:8883"))).toMatch(/^3 attempts in a row to localhost:8883 failed the same way: TLS certificate-unknown/);
  });

  it("stops for CONNACK refusals of the identity (3.1.1 codes 4 and 5, MQTT 5 0x86/0x87/0x8A banned)", () => {
    for (const code of [4, 5, 0x86, 0x87, 0x8a]) expect(fatalReason(new ConnackError(code))).toMatch(/not authorised/);
  });

  it("rides out one failed handshake, a broker that is down or restarting, and other refusals", () => {
    expect(fatalReason(new TlsError("bad-certificate", "refused", 42))).toBeUndefined();
    expect(fatalReason(new NetworkError("connection-refused", "connect ECONNREFUSED 127.0.0.1:1"))).toBeUndefined();
    expect(fatalReason(new NetworkError("connection-lost", "reset (ECONNRESET)", true))).toBeUndefined();
    expect(fatalReason(new ConnackError(3))).toBeUndefined(); // server unavailable
    expect(fatalReason(new ConnackError(0x89))).toBeUndefined(); // server busy
    expect(fatalReason(new ClientError("publish-refused", "quota", 0x97))).toBeUndefined();
    expect(fatalReason(new Error("read ECONNRESET"))).toBeUndefined();
  });
});
