// The ECMA-419 Wi-Fi network interface (modules/io/wifi/esp32/wifi-esp32.js in the SDK): `connection` is
// 200 disconnected, 300 connecting, 400 associated, 500 associated with an address; onChanged is called
// with the interface as `this` and "connection" or "address".
declare module "embedded:network/interface/wifi" {
  export default class WiFi {
    constructor(options: { target?: unknown; onChanged?: (this: WiFi, property: string) => void });
    readonly connection: number;
    readonly address: string | undefined;
    readonly SSID: string | undefined;
    connect(options: { SSID: string; password?: string }): void;
    disconnect(): void;
    close(): void;
  }
}
