// The device's TLS credentials, placed in flash as resources by manifest.json from `npm run certs`
// (certs/out/): the CA that signed the broker's certificate, the device's client certificate and its RSA
// key as PKCS#8, all DER. Handed to the TLS stack where they are, in flash: the SDK's TLS reads a Resource
// as it reads an ArrayBuffer (its own certificate store does the same), and a copy would cost ~3 KB of RAM
// for as long as the client lives (measured in mcsim, docs/device.md).
import Resource from "Resource";
import { CodedError } from "../../common/coded-error.js";
import type { TlsOptions } from "../../../platform/ports.js";
import { CA_RESOURCE, CERTIFICATE_RESOURCE, KEY_RESOURCE } from "../resource-names.js";

export function deviceTls(serverName?: string): TlsOptions {
  for (const name of [CA_RESOURCE, CERTIFICATE_RESOURCE, KEY_RESOURCE]) {
    if (!Resource.exists(name)) throw new CodedError("credentials-missing", `resource ${name} missing: run npm run certs before mcconfig (see docs/device.md)`);
  }
  // Read-only host buffers, typed as the ArrayBuffers the port's TlsOptions name.
  const load = (name: string) => new Resource(name) as unknown as ArrayBuffer;
  const tls: TlsOptions = {
    certificate: load(CA_RESOURCE),
    clientCertificates: [load(CERTIFICATE_RESOURCE)],
    clientKey: load(KEY_RESOURCE),
  };
  if (serverName !== undefined) tls.serverName = serverName;
  return tls;
}
