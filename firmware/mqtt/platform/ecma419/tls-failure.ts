// The SDK's TLS stack (modules/crypt/ssl) reports failures by throwing from inside the socket's callbacks:
// TLSError("certificate: auth err"), Error("date validation failed"), TLSError("alert: 2, 42")... This
// turns such an exception into the typed TlsError of firmware/mqtt/platform/tls-error.ts.
import { isClockSet } from "../../common/wall-clock.js";
import { integerAt } from "../../common/text.js";
import { TlsError } from "../tls-error.js";


/** TLS alert descriptions (RFC 5246 section 7.2) a server sends when it refuses the handshake. */
const ALERTS: Record<number, TlsError["code"]> = {
  40: "handshake-failure",
  42: "bad-certificate",
  43: "bad-certificate", // unsupported_certificate
  44: "certificate-revoked",
  45: "bad-certificate", // certificate_expired (ours, as the server sees it)
  46: "bad-certificate", // certificate_unknown
  48: "bad-certificate", // unknown_ca (the server does not trust our issuer)
  70: "protocol-version",
  116: "certificate-required",
};

export function tlsFailure(thrown: unknown, now: number): TlsError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  if (message.includes("date validation failed")) {
    return !isClockSet(now)
      ? new TlsError("clock-unset", "the device clock is not set (SNTP), so certificate dates cannot be checked")
      : new TlsError("expired", "the server certificate is outside its validity period");
  }
  if (message.includes("certificate: auth err")) {
    // The SDK does not say which check failed: unknown issuer and a host name missing from the SAN look alike.
    return new TlsError("certificate-unknown", "the server certificate does not chain to our CA or does not name this host");
  }
  if (message.includes("certificateVerify: unimplemented")) {
    return new TlsError("unsupported-key", "the client key cannot sign CertificateVerify (the device TLS needs an RSA key)");
  }
  if (message.includes("protocolVersion")) return new TlsError("protocol-version", "the server does not speak TLS 1.2");
  // "alert: <level>, <description>"
  const at = message.indexOf("alert: ");
  const comma = at < 0 ? -1 : message.indexOf(", ", at);
  const description = comma < 0 ? Number.NaN : integerAt(message, comma + 2);
  if (description >= 0) {
    return new TlsError(ALERTS[description] ?? "handshake-failure", `the server sent alert ${description}`, description);
  }
  return new TlsError("handshake-failure", message || "handshake failed");
}
