// Power on the ESP32: ESP-IDF's power management (esp_pm, through the app's native module esp32/power.c),
// which the SDK leaves off. The CPU runs at 240 MHz when busy (the SDK's CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ; a
// TLS handshake ends sooner, and the radio goes down sooner) and at the 40 MHz crystal when idle; and with
// automatic light sleep the chip sleeps (0.8 mA, ESP32 datasheet v5.2, table 4-2) whenever FreeRTOS has
// nothing to run until the next timer: between the FIFO drains, and, when associated, between the access
// point's beacons (Wi-Fi modem sleep, ESP-IDF's default WIFI_PS_MIN_MODEM). docs/device.md, "Power on the board".
// On lin the manifest maps this module to power-simulated.ts.
import { configure, lightSleepAllowed } from "platform/moddable/esp32/power";

const MAX_MHZ = 240;
/** The 40 MHz crystal: the idle frequency of ESP-IDF's own DFS at boot (CONFIG_PM_DFS_INIT_AUTO). */
const MIN_MHZ = 40;

export function configurePower(): void {
  const lightSleep = lightSleepAllowed();
  const error = configure(MAX_MHZ, MIN_MHZ, lightSleep);
  if (error !== 0) trace(`power: esp_pm_configure failed (ESP-IDF error 0x${error.toString(16)}): no frequency scaling, no light sleep\n`);
  else trace(`power: CPU ${MIN_MHZ}-${MAX_MHZ} MHz, automatic light sleep ${lightSleep ? "on" : "off (debug build: xsbug runs over the UART)"}\n`);
}
