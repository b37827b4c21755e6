import { describe, expect, it } from "vitest";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Max30205Model } from "../../host-sim/chips/max30205-model.js";
import { Tmp117Model } from "../../host-sim/chips/tmp117-model.js";
import { SensorError } from "../../firmware/sensors/sensor-error.js";
import { Max30205 } from "../../firmware/sensors/max30205.js";
import { Tmp117 } from "../../firmware/sensors/tmp117.js";

function code(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(SensorError);
    return (error as SensorError).code;
  }
  return "no error";
}

describe("MAX30205 driver against the model", () => {
  function setup(temperature = 36.6, options: ConstructorParameters<typeof Max30205>[0] extends infer O ? Partial<O> : never = {}) {
    const bus = new VirtualI2CBus();
    const chip = new Max30205Model({ temperature });
    bus.attach(chip);
    const sensor = new Max30205({ sensor: { io: bus.io }, ...options });
    return { bus, chip, sensor };
  }

  it("in one-shot mode returns nothing until the conversion is done, then each conversion once", () => {
    const { bus, chip, sensor } = setup(36.6);
    expect(sensor.sample()).toBeUndefined(); // starts the conversion
    bus.advance(30);
    expect(sensor.sample()).toBeUndefined();
    bus.advance(30);
    expect(sensor.sample()?.temperature).toBeCloseTo(36.6, 2);
    expect(sensor.sample()).toBeUndefined(); // the next conversion is still running
    chip.temperature = 37.25;
    bus.advance(60);
    expect(sensor.sample()?.temperature).toBe(37.25);
    expect(chip.conversions).toBe(2);
  });

  it("handles negative temperatures (two's complement)", () => {
    const { bus, sensor } = setup(-10.5, { mode: "continuous" });
    bus.advance(60);
    expect(sensor.sample()?.temperature).toBe(-10.5);
  });

  it("reads the extended format (+64 C) and writes thresholds in it", () => {
    const { bus, chip, sensor } = setup(100, { mode: "continuous", extendedFormat: true, overTemperature: 110, hysteresis: 105 });
    bus.advance(60);
    expect(sensor.sample()?.temperature).toBe(100);
    expect(chip.overTemperature).toBe(((110 - 64) * 256) & 0xffff);
  });

  it("drives OS as a comparator with the configured thresholds", () => {
    const { bus, chip } = setup(38, { mode: "continuous", overTemperature: 39, hysteresis: 38.5, activeHigh: true });
    bus.advance(60);
    expect(chip.os).toBe(false);
    chip.temperature = 39.5;
    bus.advance(60);
    expect(chip.os).toBe(true);
    expect(chip.osPinHigh).toBe(true);
    chip.temperature = 38.7;
    bus.advance(60);
    expect(chip.os).toBe(true); // inside the hysteresis band
    chip.temperature = 38;
    bus.advance(60);
    expect(chip.os).toBe(false);
  });

  it("reports an absent chip, a TMP117 in its place, a bad setting and a bus error", () => {
    const empty = new VirtualI2CBus();
    expect(code(() => new Max30205({ sensor: { io: empty.io } }))).toBe("absent");
    const other = new VirtualI2CBus();
    other.attach(new Tmp117Model());
    expect(code(() => new Max30205({ sensor: { io: other.io } }))).toBe("wrong-part");
    const { bus, sensor } = setup();
    expect(code(() => sensor.configure({ faultQueue: 3 as 4 }))).toBe("invalid-config");
    bus.failNext(1);
    expect(code(() => sensor.sample())).toBe("bus");
  });

  it("accepts a MAX30205 that refuses the TMP117 id register it does not have", () => {
    const bus = new VirtualI2CBus();
    bus.attach(new Max30205Model({ temperature: 37 }));
    bus.failNext(1, "nack", { after: 2 }); // config probe passes, the 0x0F pointer write is refused
    const sensor = new Max30205({ sensor: { io: bus.io }, mode: "continuous" });
    bus.advance(60);
    expect(sensor.sample()?.temperature).toBe(37);
  });

  it("uses another address when given one", () => {
    const bus = new VirtualI2CBus();
    bus.attach(new Max30205Model({ address: 0x4c, temperature: 35 }));
    const sensor = new Max30205({ sensor: { io: bus.io, address: 0x4c }, mode: "continuous" });
    bus.advance(60);
    expect(sensor.sample()?.temperature).toBe(35);
  });
});

describe("TMP117 driver against the model", () => {
  function setup(temperature = 36.6, options: Partial<ConstructorParameters<typeof Tmp117>[0]> = {}) {
    const bus = new VirtualI2CBus();
    const chip = new Tmp117Model({ temperature });
    bus.attach(chip);
    const sensor = new Tmp117({ sensor: { io: bus.io }, ...options });
    return { bus, chip, sensor };
  }

  it("checks the device id", () => {
    const bus = new VirtualI2CBus();
    bus.attach(new Tmp117Model({ deviceId: 0x0118 }));
    expect(code(() => new Tmp117({ sensor: { io: bus.io } }))).toBe("wrong-part");
    const max = new VirtualI2CBus();
    max.attach(new Max30205Model());
    expect(code(() => new Tmp117({ sensor: { io: max.io } }))).toBe("wrong-part");
    const revised = new VirtualI2CBus();
    revised.attach(new Tmp117Model({ deviceId: 0x1117 })); // revision bits 15:12 do not matter
    expect(() => new Tmp117({ sensor: { io: revised.io } })).not.toThrow();
    expect(code(() => new Tmp117({ sensor: { io: new VirtualI2CBus().io } }))).toBe("absent");
  });

  it("never reports the power-on 0x8000 as a reading: it waits for Data_Ready", () => {
    const { bus, chip, sensor } = setup(36.6);
    expect(chip.result).toBe(0x8000);
    expect(sensor.sample()).toBeUndefined();
    bus.advance(130); // 8 averaged conversions take 124 ms
    expect(sensor.sample()?.temperature).toBeCloseTo(36.6, 2);
    expect(sensor.sample()).toBeUndefined(); // Data_Ready was cleared: no new conversion yet
    bus.advance(1000);
    expect(sensor.sample()?.temperature).toBeCloseTo(36.6, 2);
  });

  it("decodes the sign: 0x8000 is -256 C, 0xFFFF is -0.0078125 C", () => {
    const { bus, chip, sensor } = setup(-300, { averaging: 1, cycle: 0 });
    bus.advance(20);
    expect(chip.result).toBe(0x8000);
    expect(sensor.sample()?.temperature).toBe(-256);
    chip.temperature = -0.0078125;
    bus.advance(20);
    expect(chip.result).toBe(0xffff);
    expect(sensor.sample()?.temperature).toBe(-0.0078125);
    chip.temperature = 25.5;
    bus.advance(20);
    expect(sensor.sample()?.temperature).toBe(25.5);
  });

  it("runs one-shot conversions on demand, returning to shutdown in between", () => {
    const { bus, chip, sensor } = setup(37, { mode: "one-shot", averaging: 8 });
    expect(sensor.sample()).toBeUndefined();
    bus.advance(130);
    expect(sensor.sample()?.temperature).toBe(37); // and starts the next one
    expect(chip.conversions).toBe(1);
    bus.advance(130);
    expect(sensor.sample()?.temperature).toBe(37);
    sensor.configure({ mode: "shutdown" });
    const before = chip.conversions;
    bus.advance(5000);
    expect(chip.conversions).toBe(before);
    expect(sensor.sample()).toBeUndefined();
  });

  it("writes averaging, cycle time, offset and alert limits; reports alert flags", () => {
    const { bus, chip, sensor } = setup(38, { averaging: 32, cycle: 3, offset: -0.5, highLimit: 37.25, lowLimit: 30 });
    expect((chip.config >> 5) & 3).toBe(2);
    expect((chip.config >> 7) & 7).toBe(3);
    expect(chip.offset).toBe((-0.5 / 0.0078125) & 0xffff);
    bus.advance(500);
    expect(sensor.sample()?.temperature).toBe(37.5);
    expect(sensor.alerts & 0x8000).toBe(0x8000);
    expect(code(() => sensor.configure({ averaging: 16 as 8 }))).toBe("invalid-config");
    expect(code(() => sensor.configure({ highLimit: 300 }))).toBe("invalid-config");
  });

  it("surfaces a bus error", () => {
    const { bus, sensor } = setup();
    bus.failNext(1);
    expect(code(() => sensor.sample())).toBe("bus");
  });
});
