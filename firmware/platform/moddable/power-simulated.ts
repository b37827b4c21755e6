// lin: the simulator has no power management to configure (on esp32, power.ts).
export function configurePower(): void {
  trace("power: simulated (the board's power management is configured on esp32 only)\n");
}
