// Names of the TLS credentials in flash: manifest.json "resources" places certs/out/ca.der,
// device-<DEVICE_ID>.der and device-<DEVICE_ID>-key.der under these names (a resource is named
// <key><extension>), so the firmware does not depend on the device id the files were made for.
export const CA_RESOURCE = "ca.der";
export const CERTIFICATE_RESOURCE = "device.der";
export const KEY_RESOURCE = "device-key.der";
