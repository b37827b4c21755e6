// The wearable's own native module on esp32 (firmware/platform/moddable/esp32/power.c and power.js):
// ESP-IDF power management.
declare module "platform/moddable/esp32/power" {
  /** esp_pm_configure: CPU between `minMHz` and `maxMHz`, light sleep when idle if `lightSleep`; the esp_err_t,
   *  0 (ESP_OK) when applied. */
  export function configure(maxMHz: number, minMHz: number, lightSleep: boolean): number;
  /** False in a debug build (xsbug runs over the UART, which light sleep stops). */
  export function lightSleepAllowed(): boolean;
}
