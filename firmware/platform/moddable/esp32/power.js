/*
 * The host functions of power.c (ESP-IDF esp_pm), for firmware/platform/moddable/power.ts; declared for
 * TypeScript in firmware/platform/moddable/types/power.d.ts.
 */

export function configure(maxMHz, minMHz, lightSleep) @ "xs_power_configure";
export function lightSleepAllowed() @ "xs_power_light_sleep_allowed";
