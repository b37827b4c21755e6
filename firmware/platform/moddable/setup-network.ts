// Replaces the SDK's setup/network ($MODDABLE/build/devices/esp32/setup/network.js, brought in by
// $MODDABLE/examples/manifest_net.json), which calls done(), and so lets main run, only once Wi-Fi has an
// address and SNTP has answered. The wearable records from power-on: main starts at once and owns its network
// (firmware/network/network.ts). The runtime calls every "setup/*" module before main.
export default function setupNetwork(done: () => void): void {
  trace("setup: main starts now; the firmware joins Wi-Fi and sets the clock itself\n");
  done();
}
