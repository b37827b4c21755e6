// Who the device is, from its credentials store: the id is the certificate's common name (the broker takes
// the identity from the same CN, certs/acl), and the TLS options are views of the stored DER, handed to the
// socket as they are (no copy). When the store switches records (a renewal, or a renewal refused), the
// same options object is pointed at the new record, so the client's next connection uses it.
import type { TlsOptions } from "../platform/ports.js";
import { readCertificate } from "./certificate.js";
import type { CredentialStore } from "./credential-store.js";
import { IdentityError } from "./identity-error.js";

export class DeviceIdentity {
  readonly store: CredentialStore;
  readonly deviceId: string;
  /** The options the MQTT client's socket gets (its `secure`). */
  readonly tls: TlsOptions;
  /** The certificate in use: when it stops being valid, milliseconds since the epoch. */
  notAfter = 0;

  /** Throws IdentityError: "no-credentials" for an empty store, "malformed" or "bad-credentials" for a
   *  certificate that does not name a device. */
  constructor(store: CredentialStore, serverName?: string) {
    this.store = store;
    this.tls = {};
    if (serverName !== undefined) this.tls.serverName = serverName;
    this.deviceId = this.refresh();
  }

  /** Points the TLS options at the store's record in use; returns its certificate's common name. */
  refresh(): string {
    const credentials = this.store.credentials;
    const certificate = readCertificate(credentials.certificate);
    const name = certificate.commonName;
    if (name === undefined || name === "") throw new IdentityError("bad-credentials", "the device certificate has no common name (CN): the device id comes from it");
    const tls = this.tls;
    tls.certificate = credentials.authorities.length === 1 ? credentials.authorities[0] : credentials.authorities;
    tls.clientCertificates = credentials.chain.length === 0 ? [credentials.certificate] : [credentials.certificate, ...credentials.chain];
    tls.clientKey = credentials.key;
    this.notAfter = certificate.notAfter;
    return name;
  }
}
