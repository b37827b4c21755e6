// What ends the CLI: TLS failures and refused identities; not the network coming and going.
import { describe, expect, it } from "vitest";
import { ClientError, ConnackError } from "../../firmware/mqtt/client-errors.js";
import { TlsError } from "../../firmware/platform/tls-error.js";
import { fatalReason } from "../../host-sim/cli/fatal.js";

describe("fatal errors", () => {
  it("stops for certificate and handshake failures", () => {
    expect(fatalReason(new TlsError("certificate-unknown", "server chain does not lead to a configured CA"))).toMatch(/^TLS certificate-unknown/);
    expect(fatalReason(new TlsError("bad-certificate", "refused"))).toMatch(/bad-certificate/);
    expect(fatalReason(new TlsError("handshake-failure", "no common TLS 1.2 cipher suite (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)"))).toBeDefined();
  });

  it("stops for CONNACK refusals of the identity (3.1.1 codes 4 and 5, MQTT 5 0x86/0x87)", () => {
    for (const code of [4, 5, 0x86, 0x87]) expect(fatalReason(new ConnackError(code))).toMatch(/not authorised/);
  });

  it("rides out a broker that is down or restarting, and other refusals", () => {
    expect(fatalReason(new TlsError("handshake-failure", "connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED)"))).toBeUndefined();
    expect(fatalReason(new TlsError("handshake-failure", "the peer closed the connection during the TLS handshake (ECONNRESET)"))).toBeUndefined();
    expect(fatalReason(new ConnackError(3))).toBeUndefined(); // server unavailable
    expect(fatalReason(new ClientError("publish-refused", "quota", 0x97))).toBeUndefined();
    expect(fatalReason(new Error("read ECONNRESET"))).toBeUndefined();
  });
});
