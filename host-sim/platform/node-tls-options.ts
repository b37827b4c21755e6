// The ONE place where the firmware's TlsOptions (DER, Moddable's `secure` shape, design.md section 3) become
// node:tls options, and where node's TLS failures become TlsError values.
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import type { TlsOptions } from "../../firmware/platform/ports.js";
import { TlsError } from "../../firmware/platform/tls-error.js";

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${base64}${base64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

export interface TlsTarget {
  host: string;
  port: number;
  address?: string;
}

export function nodeTlsOptions(secure: TlsOptions, target: TlsTarget): ConnectionOptions {
  const cas = secure.certificate === undefined ? [] : Array.isArray(secure.certificate) ? secure.certificate : [secure.certificate];
  const serverName = secure.serverName ?? target.host;
  const options: ConnectionOptions = {
    host: target.address ?? target.host,
    port: target.port,
    // SNI only for names: RFC 6066 section 3 forbids IP literals in server_name.
    servername: /^[\d.]+$/.test(serverName) || serverName.includes(":") ? undefined : serverName,
    rejectUnauthorized: secure.verify !== false,
    // The device speaks TLS 1.2 only; the host binding does too so a 1.3-only broker fails here as well.
    minVersion: "TLSv1.2",
    maxVersion: "TLSv1.2",
    checkServerIdentity: (_host, cert) => {
      if (secure.verify === false) return undefined;
      // SAN only, no CN fallback, like the device (design.md section 3).
      const x509 = new X509Certificate(cert.raw);
      const ok = /^[\d.]+$/.test(serverName) ? x509.checkIP(serverName) !== undefined : x509.checkHost(serverName, { subject: "never" }) !== undefined;
      return ok ? undefined : new TlsError("hostname-mismatch", `server certificate is not for ${serverName}`);
    },
  };
  if (cas.length > 0) options.ca = cas.map((der) => pem("CERTIFICATE", der));
  if (secure.clientCertificates && secure.clientCertificates.length > 0) {
    options.cert = secure.clientCertificates.map((der) => pem("CERTIFICATE", der)).join("");
  }
  if (secure.clientKey) {
    options.key = createPrivateKey({ key: Buffer.from(secure.clientKey), format: "der", type: "pkcs8" })
      .export({ format: "pem", type: "pkcs8" })
      .toString();
  }
  if (secure.applicationLayerProtocolNegotiation) options.ALPNProtocols = [secure.applicationLayerProtocolNegotiation];
  return options;
}

/** A node TLS error (or alert from the peer) as the TlsError the firmware sees on the device. */
export function tlsErrorFrom(error: Error & { code?: string }): TlsError {
  if (error instanceof TlsError) return error;
  const code = error.code ?? "";
  const text = `${code} ${error.message}`;
  if (/CERT_HAS_EXPIRED/.test(text)) return new TlsError("expired", error.message);
  if (/CERT_NOT_YET_VALID/.test(text)) return new TlsError("not-yet-valid", error.message);
  if (/ALTNAME|hostname/i.test(text)) return new TlsError("hostname-mismatch", error.message);
  // Alerts from the peer are about our client certificate; local verification codes about the server's.
  if (/alert (unknown ca|bad certificate|certificate unknown)/i.test(text)) return new TlsError("bad-certificate", error.message);
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/i.test(text)) return new TlsError("certificate-unknown", error.message);
  if (/certificate required|peer did not return a certificate/i.test(text)) return new TlsError("certificate-required", error.message);
  if (/version|protocol/i.test(text)) return new TlsError("protocol-version", error.message);
  return new TlsError("handshake-failure", error.message);
}
