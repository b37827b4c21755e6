/*
 * ESP-IDF power management for the wearable (firmware/platform/moddable/power.ts): dynamic frequency scaling
 * and automatic light sleep (esp_pm_configure, components/esp_pm). The SDK calls none of it; the sdkconfig
 * options it needs (CONFIG_PM_ENABLE, CONFIG_FREERTOS_USE_TICKLESS_IDLE) are in sdkconfig/sdkconfig.defaults.
 */

#include "xsmc.h"
#include "xsHost.h"
#include "esp_err.h"
#include "esp_pm.h"

/* configure(maxMHz, minMHz, lightSleep): the esp_err_t of esp_pm_configure, 0 (ESP_OK) when applied. */
void xs_power_configure(xsMachine *the)
{
	esp_pm_config_t config = {
		.max_freq_mhz = xsmcToInteger(xsArg(0)),
		.min_freq_mhz = xsmcToInteger(xsArg(1)),
		.light_sleep_enable = xsmcTest(xsArg(2)) ? true : false,
	};
	xsmcSetInteger(xsResult, esp_pm_configure(&config));
}

/* lightSleepAllowed(): false in a debug build, whose xsbug connection runs over the UART that light sleep
 * stops; true otherwise. */
void xs_power_light_sleep_allowed(xsMachine *the)
{
#ifdef mxDebug
	xsmcSetBoolean(xsResult, false);
#else
	xsmcSetBoolean(xsResult, true);
#endif
}
