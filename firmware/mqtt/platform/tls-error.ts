// A TLS failure as a value the app can act on (and show), raised by a socket binding through onError.
// Codes follow the TLS alert / X.509 vocabulary; messages never carry key material.
import { CodedError } from "../common/coded-error.js";

export type TlsErrorCode =
  | "certificate-unknown" // server chain does not lead to our CA (unknown CA, self-signed)
  | "hostname-mismatch" // server name not in the certificate's Subject Alternative Names
  | "expired" // server certificate notAfter is before the device clock
  | "not-yet-valid" // server certificate notBefore is after the device clock
  | "clock-unset" // device wall clock not set (no SNTP yet): validity cannot be checked
  | "certificate-required" // the server demanded a client certificate we did not send
  | "bad-certificate" // the server refused our client certificate
  | "certificate-revoked" // the server refused our client certificate as revoked (alert 44: it is on the CRL)
  | "unsupported-key" // the device TLS stack cannot sign with this client key (ECDSA)
  | "protocol-version" // no common TLS version (the device speaks TLS 1.2 only)
  | "handshake-failure"; // any other handshake failure (no common cipher, not TLS at all, ...)

export class TlsError extends CodedError<TlsErrorCode> {
  override readonly name: string = "TlsError";
  /** The TLS alert description (RFC 5246 section 7.2, RFC 8446 section 6) the peer sent, when one is the
   *  evidence: 40 handshake_failure, 42 bad_certificate, 48 unknown_ca, 70 protocol_version, 116
   *  certificate_required ... */
  readonly alert?: number;
  constructor(code: TlsErrorCode, message: string, alert?: number) {
    super(code, `TLS ${code}: ${message}`);
    if (alert !== undefined) this.alert = alert;
  }
}
