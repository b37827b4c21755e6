// The device's TLS credentials, placed in flash as resources by manifest.json from `npm run certs`
// (certs/out/): the CA that signed the broker's certificate, the device's client certificate and its RSA
// key as PKCS#8, all DER. Copied out of flash once: the TLS stack keeps them for every handshake.
import Resource from "Resource";
import type { TlsOptions } from "../ports.js";
import { CA_RESOURCE, CERTIFICATE_RESOURCE, KEY_RESOURCE } from "./resource-names.js";

export function deviceTls(serverName?: string): TlsOptions {
  for (const name of [CA_RESOURCE, CERTIFICATE_RESOURCE, KEY_RESOURCE]) {
    if (!Resource.exists(name)) throw new Error(`resource ${name} missing: run npm run certs before mcconfig (see docs/device.md)`);
  }
  const load = (name: string) => {
    const resource = new Resource(name);
    return resource.slice(0, resource.byteLength);
  };
  const tls: TlsOptions = {
    certificate: load(CA_RESOURCE),
    clientCertificates: [load(CERTIFICATE_RESOURCE)],
    clientKey: load(KEY_RESOURCE),
  };
  if (serverName !== undefined) tls.serverName = serverName;
  return tls;
}
