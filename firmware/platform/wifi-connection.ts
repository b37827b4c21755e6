// The values of an ECMA-419 network interface's `connection` property, as esp32's
// `embedded:network/interface/wifi` reports them (the network port's WiFi, ports.ts). A module of its own
// because ports.ts holds types only (no module at run time).
/** ECMA-419 network interface `connection` values (what esp32's `embedded:network/interface/wifi` reports). */
export const Connection = {
  /** Not associated. */
  disconnected: 200,
  /** Associating. */
  connecting: 300,
  /** Associated, no IP address yet. */
  associated: 400,
  /** Associated with an IP address: the network is usable. */
  connected: 500,
} as const;
