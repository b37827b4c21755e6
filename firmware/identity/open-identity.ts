// The device's identity at power-on, from its credentials store: undefined when the partition is missing
// or erased (never provisioned). A store that holds records none of which is usable (damaged, or a
// certificate without a CN) is an IdentityError, for the device to report.
import type { FlashPartition } from "../platform/ports.js";
import { CredentialStore } from "./credential-store.js";
import { DeviceIdentity } from "./device-identity.js";

/** The label of the credentials partition (firmware/platform/moddable/esp32/partitions.csv), and of the
 *  simulator's file ($HOME/flash/identity.bin). */
export const IDENTITY_PARTITION = "identity";

export function openIdentity(flash: FlashPartition | undefined, serverName?: string): DeviceIdentity | undefined {
  if (!flash) return undefined;
  const store = new CredentialStore(flash);
  return store.provisioned ? new DeviceIdentity(store, serverName) : undefined;
}
