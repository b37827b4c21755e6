// The device TLS profile: make node:tls behave like the device's TLS stack (the Moddable SDK's, described in
// docs/security.md), so a broker the device could not reach fails on the host too.
//
//   const options = nodeTlsOptions(secure, ctx);        // throws TlsError before any byte is sent
//   const socket = tls.connect(options);
//   const probe = trackHandshake(socket);
//   socket.once("secureConnect", () => {
//     const error = checkServerCertificate(socket, secure, ctx);   // BEFORE the first MQTT byte
//     if (error) { socket.destroy(); report(error); } else { ...ready... }
//   });
//   socket.once("error", (e) => report(tlsErrorFrom(e, probe)));
//
// host-sim/tls-profile-connect.ts wraps exactly this sequence.
//
// profile "device" (the default of the host socket binding):
// - TLS 1.2 only; only the suites Moddable offers, in its order; only the P-256 curve; RSA PKCS#1 v1.5
//   and ECDSA signatures (Moddable cannot verify RSA-PSS).
// - SNI always sent for a host name (serverName, else host). Exception: an IP literal is not sent as SNI,
//   because RFC 6066 forbids it and Node deprecates it (DEP0123); the device would send it. Brokers at a
//   bare IP do not route on SNI, so nothing the device could reach becomes unreachable.
// - Client key must be RSA: the device signs CertificateVerify with RSA PKCS#1 v1.5 only.
// - Server chain, dates and name are checked after the handshake and before any application byte:
//   chain to one of `certificate` by signature; every certificate's dates against the DEVICE clock
//   (ctx.wallTime(), refused while unset); server name against the SAN only (DNS with at most one
//   leading wildcard label, or IPv4), never the subject CN. OpenSSL verifies the chain too (with the host
//   clock): its verdict is required except for date errors, which only the device clock decides.
// profile "node": plain node:tls defaults (TLS 1.2/1.3, host clock, Node's checks), for comparison.

import { X509Certificate, constants, createPrivateKey } from "node:crypto";
import { isIP } from "node:net";
import { rootCertificates, type ConnectionOptions, type PeerCertificate, type TLSSocket } from "node:tls";
import type { DerBytes, TlsOptions } from "../firmware/platform/ports.js";
import { NetworkError } from "../firmware/mqtt/platform/network-error.js";
import { TlsError } from "../firmware/mqtt/platform/tls-error.js";

export type TlsProfile = "device" | "node";

export interface TlsContext {
  /** Host name (or IP): what SNI and the certificate check use unless TlsOptions.serverName is set. */
  host: string;
  /** A TLS 1.2 session to resume by its id (node:tls `session`), as the device's TLS offers its cached one. */
  session?: Buffer;
  /** IP address to connect to, when already resolved (the device's socket takes one); else host. */
  address?: string;
  port: number;
  profile: TlsProfile;
  /** The device's wall clock (Clock.wallTime): undefined while unset. */
  wallTime(): number | undefined;
}

/** The cipher suites the device offers (IANA id, OpenSSL name), in the device's order. */
export const DEVICE_CIPHER_SUITES: readonly { id: number; name: string }[] = [
  { id: 0xc02f, name: "ECDHE-RSA-AES128-GCM-SHA256" },
  { id: 0xc02b, name: "ECDHE-ECDSA-AES128-GCM-SHA256" },
  { id: 0xc027, name: "ECDHE-RSA-AES128-SHA256" },
  { id: 0x009e, name: "DHE-RSA-AES128-GCM-SHA256" },
  { id: 0x0067, name: "DHE-RSA-AES128-SHA256" },
  { id: 0x006b, name: "DHE-RSA-AES256-SHA256" },
  { id: 0x002f, name: "AES128-SHA" },
  { id: 0x0035, name: "AES256-SHA" },
  { id: 0x003c, name: "AES128-SHA256" },
  { id: 0x003d, name: "AES256-SHA256" },
];
/** The only named group the device offers (secp256r1). */
export const DEVICE_CURVE = "prime256v1";
/** Signature schemes the device can verify: RSA PKCS#1 v1.5 and ECDSA (no RSA-PSS). */
export const DEVICE_SIGALGS = "RSA+SHA256:RSA+SHA384:RSA+SHA512:ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512";

/** What the device can negotiate, as node:tls options: TLS 1.2 only, its suites in its order, P-256, its signatures. */
export const DEVICE_HANDSHAKE: Readonly<Pick<ConnectionOptions, "minVersion" | "maxVersion" | "ciphers" | "ecdhCurve" | "sigalgs">> = {
  minVersion: "TLSv1.2",
  maxVersion: "TLSv1.2",
  ciphers: DEVICE_CIPHER_SUITES.map((s) => s.name).join(":"),
  ecdhCurve: DEVICE_CURVE,
  sigalgs: DEVICE_SIGALGS,
};

function bytes(der: DerBytes): Buffer {
  return Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der));
}

function derToPem(der: DerBytes): string {
  return new X509Certificate(bytes(der)).toString();
}

function configuredCas(secure: TlsOptions): X509Certificate[] {
  const list = secure.certificate === undefined ? [] : Array.isArray(secure.certificate) ? secure.certificate : [secure.certificate];
  return list.map((der) => new X509Certificate(bytes(der)));
}

let publicRoots: X509Certificate[] | undefined;
/** Without a configured CA the device falls back to its built-in CA set; the host uses Node's. */
function trustAnchors(secure: TlsOptions): X509Certificate[] {
  if (secure.certificate !== undefined) return configuredCas(secure);
  publicRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return publicRoots;
}

/** The name the device sends as SNI and checks against the SAN (docs/security.md: defaults to the host). */
export function serverNameOf(secure: TlsOptions, ctx: Pick<TlsContext, "host">): string {
  return secure.serverName ?? ctx.host;
}

/**
 * node:tls options for a connection under the profile. Throws TlsError before anything is sent when the
 * device could not even start: a non-RSA client key ("unsupported-key"), an unset clock ("clock-unset").
 */
export function nodeTlsOptions(secure: TlsOptions, ctx: TlsContext): ConnectionOptions {
  const device = ctx.profile === "device";
  const verify = secure.verify !== false;
  const options: ConnectionOptions = { host: ctx.address ?? ctx.host, port: ctx.port };
  if (secure.certificate !== undefined) options.ca = configuredCas(secure).map((c) => c.toString());
  if (secure.clientCertificates && secure.clientCertificates.length > 0) {
    options.cert = secure.clientCertificates.map(derToPem).join("");
  }
  if (secure.clientKey) {
    const key = createPrivateKey({ key: bytes(secure.clientKey), format: "der", type: "pkcs8" });
    if (device && key.asymmetricKeyType !== "rsa") {
      throw new TlsError(
        "unsupported-key",
        `client key is ${key.asymmetricKeyType}: the device TLS stack signs CertificateVerify with RSA PKCS#1 v1.5 only; issue an RSA 2048 device key`,
      );
    }
    options.key = key.export({ type: "pkcs8", format: "pem" }) as string;
  }
  if (secure.applicationLayerProtocolNegotiation) {
    // Moddable takes "a:b" as a list, like its own ALPN encoder.
    options.ALPNProtocols = secure.applicationLayerProtocolNegotiation.split(":");
  }
  const name = serverNameOf(secure, ctx);
  if (!isIP(name)) options.servername = name;
  if (!device) {
    options.rejectUnauthorized = verify;
    return options;
  }
  if (verify && ctx.wallTime() === undefined) {
    throw new TlsError("clock-unset", "the device clock is not set (no SNTP yet): server certificate dates cannot be checked");
  }
  Object.assign(options, DEVICE_HANDSHAKE);
  // The device resumes by session id (RFC 5246 section 7.4.1.2) and sends no SessionTicket extension
  // (RFC 5077): neither does this profile, so a server keeps the session in its cache, as for the device.
  options.secureOptions = constants.SSL_OP_NO_TICKET;
  if (ctx.session !== undefined) options.session = ctx.session;
  // The chain, dates (device clock) and name are decided by checkServerCertificate; Node's own name check
  // would fall back to the CN, which the device never does.
  options.rejectUnauthorized = false;
  options.checkServerIdentity = () => undefined;
  return options;
}

/** OpenSSL verdicts that only mean "out of date by the host clock": the device clock decides those. */
const DATE_ERRORS = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/**
 * After the handshake, before any application byte: the device's verdict on the server certificate,
 * or undefined when the device would accept it. Only for the "device" profile with verify on (the "node"
 * profile was already checked by Node).
 */
export function checkServerCertificate(socket: TLSSocket, secure: TlsOptions, ctx: TlsContext): TlsError | undefined {
  if (ctx.profile !== "device" || secure.verify === false) return undefined;
  const now = ctx.wallTime();
  if (now === undefined) return new TlsError("clock-unset", "the device clock is not set: cannot check the server certificate");
  const path = peerChain(socket);
  if (path.length === 0) return new TlsError("certificate-unknown", "the server sent no certificate");
  const verdict = socket.authorizationError ? String(socket.authorizationError) : undefined;
  const chain = verifyChain(path, secure, now);
  if (chain) return chain;
  // Our chain walk accepted it; OpenSSL must agree on everything but the dates.
  if (verdict && !DATE_ERRORS.has(verdict)) return new TlsError(VERIFY_CODES[verdict] ?? "certificate-unknown", `${verdict} (${verdict})`);
  return checkServerName(path[0], serverNameOf(secure, ctx));
}

/** The server's chain as Node reports it (leaf first, issuers completed from the trust store). */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw));
    cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return out;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function dateError(cert: X509Certificate, now: number, role: string): TlsError | undefined {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const clock = new Date(now).toISOString();
  if (now > to) return new TlsError("expired", `${role} certificate expired ${cert.validTo} (device clock ${clock})`);
  if (now < from) return new TlsError("not-yet-valid", `${role} certificate valid from ${cert.validFrom} (device clock ${clock})`);
  return undefined;
}

/** Walk leaf -> issuer by signature until a trusted CA signs; check every date against the device clock. */
function verifyChain(path: X509Certificate[], secure: TlsOptions, now: number): TlsError | undefined {
  const anchors = trustAnchors(secure);
  if (anchors.length === 0) {
    return new TlsError("certificate-unknown", "no CA certificate configured (TlsOptions.certificate) to verify the server");
  }
  for (let i = 0; i < path.length; i++) {
    const cert = path[i];
    const role = i === 0 ? "server" : "intermediate";
    const dates = dateError(cert, now, role);
    if (dates) return dates;
    const anchor = anchors.find((ca) => issuedBy(cert, ca));
    if (anchor) return dateError(anchor, now, "CA");
    const next = path[i + 1];
    if (!next || !next.ca || !issuedBy(cert, next)) break;
  }
  const leaf = path[0];
  return new TlsError(
    "certificate-unknown",
    leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey)
      ? `self-signed server certificate (${leaf.subject}) is not a configured CA`
      : `server certificate chain (issuer ${leaf.issuer}) does not lead to a configured CA`,
  );
}

/** SAN-only name check (docs/security.md): DNS with one leading wildcard label, or IPv4; no CN fallback. */
export function checkServerName(leaf: X509Certificate, name: string): TlsError | undefined {
  const family = isIP(name);
  const ok =
    family === 4
      ? leaf.checkIP(name) !== undefined
      : family === 0 &&
        leaf.checkHost(name, { subject: "never", wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined;
  if (ok) return undefined;
  const sans = leaf.subjectAltName ?? "none";
  const why = family === 6 ? "the device matches IPv4 addresses only" : `SAN: ${sans}`;
  return new TlsError("hostname-mismatch", `"${name}" is not a Subject Alternative Name of the server certificate (${why}; the device never uses the CN)`);
}

/** What we learned about a handshake that failed, to name the failure better. */
export interface HandshakeProbe {
  /** Key exchange happened: our Certificate (if any) and ClientKeyExchange were sent. */
  readonly keyExchanged: boolean;
  /** We had a client certificate to send. */
  readonly clientCertificate: boolean;
}

/** Watch a connecting socket so tlsErrorFrom can tell "you need a certificate" from "no common cipher". */
export function trackHandshake(socket: TLSSocket, options?: ConnectionOptions): HandshakeProbe {
  const probe = { keyExchanged: false, clientCertificate: Boolean(options?.cert) };
  socket.once("keylog", () => {
    probe.keyExchanged = true;
  });
  return probe;
}

/** Our side refused the server's chain (profile "node", or OpenSSL's verdict in "device"). */
const VERIFY_CODES: Record<string, TlsError["code"]> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate-unknown",
  UNABLE_TO_GET_ISSUER_CERT: "certificate-unknown",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate-unknown",
  SELF_SIGNED_CERT_IN_CHAIN: "certificate-unknown",
  DEPTH_ZERO_SELF_SIGNED_CERT: "certificate-unknown",
  CERT_SIGNATURE_FAILURE: "certificate-unknown",
  CERT_UNTRUSTED: "certificate-unknown",
  CERT_REJECTED: "certificate-unknown",
  INVALID_CA: "certificate-unknown",
  INVALID_PURPOSE: "certificate-unknown",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "not-yet-valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname-mismatch",
  ERR_SSL_UNSUPPORTED_PROTOCOL: "protocol-version",
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: "protocol-version",
};

/** The alerts a server sends (OpenSSL's error code for each): the alert number (RFC 5246 section 7.2, RFC
 *  8446 section 6.2) and what it says about us. */
const ALERT_CODES: Record<string, [number, TlsError["code"]]> = {
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: [40, "handshake-failure"],
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: [42, "bad-certificate"],
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: [43, "bad-certificate"],
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: [44, "certificate-revoked"],
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: [45, "bad-certificate"],
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: [46, "bad-certificate"],
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: [48, "bad-certificate"],
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: [49, "bad-certificate"],
  ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR: [51, "bad-certificate"],
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: [70, "protocol-version"],
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: [116, "certificate-required"],
};

/** A connection cut without an alert: the network, or a peer that is not a TLS endpoint. */
const NETWORK_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * A Node/OpenSSL error raised while connecting, as the device would report it: a TlsError only on evidence
 * from TLS itself (a verdict on the server's certificate, an alert the server sent, bytes that are not
 * TLS), a NetworkError for a refused connection or one cut without an alert (retried by the client). An
 * alert 40 after our key exchange from a server we sent no certificate means it wanted one (TLS 1.2 servers
 * say handshake_failure for that).
 */
export function tlsErrorFrom(error: Error, probe?: HandshakeProbe): TlsError | NetworkError {
  if (error instanceof TlsError || error instanceof NetworkError) return error;
  const code = String((error as NodeJS.ErrnoException).code ?? "");
  // Keep OpenSSL's reason, drop its file/line noise. Messages from OpenSSL never contain key material.
  const reason = error.message.replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:/, "").replace(/:\.\.\/deps\/.*$/s, "");
  const verdict = VERIFY_CODES[code];
  if (verdict) return new TlsError(verdict, `${reason} (${code})`);
  const alert = ALERT_CODES[code];
  if (alert) {
    const [number, meaning] = alert;
    if (number === 40 && probe?.keyExchanged === true && !probe.clientCertificate) {
      return new TlsError("certificate-required", `the server requires a client certificate (alert ${number}: ${reason})`, number);
    }
    if (number === 40) return new TlsError(meaning, `no common TLS 1.2 cipher suite, curve or signature scheme with the server (alert ${number}: ${reason})`, number);
    return new TlsError(meaning, `${reason} (alert ${number})`, number);
  }
  if (code === "ECONNREFUSED") return new NetworkError("connection-refused", `${reason} (${code})`);
  if (NETWORK_CODES.has(code)) {
    return new NetworkError("connection-lost", `the connection closed during the TLS handshake, without an alert (${code})`, true);
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG") {
    return new TlsError("handshake-failure", `the server did not answer with TLS (plain-text listener?) (${code})`);
  }
  return new TlsError("handshake-failure", `${reason}${code ? ` (${code})` : ""}`);
}
