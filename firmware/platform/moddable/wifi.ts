// The device's Wi-Fi: the ECMA-419 network interface of the SDK (`embedded:network/interface/wifi`), whose
// shape the network port follows (ports.ts WiFi). The firmware's network (network/network.ts) drives it;
// the SDK's own setup/network, which would hold main back until Wi-Fi and SNTP were up, is replaced by
// setup-network.ts. On lin the manifest maps this module to wifi-simulated.ts.
import WiFi from "embedded:network/interface/wifi";
import type { WiFiConstructor } from "../ports.js";

export function wifiClass(): WiFiConstructor {
  return WiFi as unknown as WiFiConstructor;
}
