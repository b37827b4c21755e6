import { describe, expect, it } from "vitest";
import { ArmMotion, type AccelerationSource } from "../../host-sim/chips/arm-motion.js";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Lis2dh12Model } from "../../host-sim/chips/lis2dh12-model.js";
import { SensorError } from "../../firmware/sensors/sensor-error.js";
import { Lis2dh12, type Lis2dh12Options } from "../../firmware/sensors/lis2dh12.js";
import { thrown } from "../support/thrown.js";

/** Still, tilted: gravity split over the axes. */
const still: AccelerationSource = {
  acceleration(_t, out) {
    out.x = 0.25;
    out.y = -0.5;
    out.z = 0.8;
  },
};
/** x rising 1 g per second from -1 g: every sample larger than the one before, so order and loss show. */
const ramp: AccelerationSource = {
  acceleration(t, out) {
    out.x = -1 + t;
    out.y = 0;
    out.z = 1;
  },
};

function setup(source: AccelerationSource = still, driver: Partial<Lis2dh12Options> = {}, address?: number) {
  const bus = new VirtualI2CBus();
  const chip = new Lis2dh12Model({ source, address });
  bus.attach(chip);
  const sensor = new Lis2dh12({ sensor: { io: bus.io, address }, ...driver });
  return { bus, chip, sensor };
}


const axes = (s: { count: number; xyz: Int16Array }, scale: number) =>
  Array.from({ length: s.count }, (_, i) => [s.xyz[3 * i] * scale, s.xyz[3 * i + 1] * scale, s.xyz[3 * i + 2] * scale]);

describe("LIS2DH12 driver against the register-level model", () => {
  it("reports an absent chip as absent, and another part at the address by its WHO_AM_I", () => {
    const empty = new VirtualI2CBus();
    const absent = thrown(() => new Lis2dh12({ sensor: { io: empty.io } }), SensorError);
    expect(absent.code).toBe("absent");
    expect(absent.address).toBe(0x19);
    const bus = new VirtualI2CBus();
    bus.attach(new Lis2dh12Model({ source: still, whoAmI: 0x32 }));
    const wrong = thrown(() => new Lis2dh12({ sensor: { io: bus.io } }), SensorError);
    expect(wrong.code).toBe("wrong-part");
    expect(wrong.message).toMatch(/0x32/);
  });

  it("refuses a rate or range the part does not have", () => {
    expect(thrown(() => setup(still, { rate: 30 as 25 }), SensorError).code).toBe("invalid-config");
    expect(thrown(() => setup(still, { range: 3 as 2 }), SensorError).code).toBe("invalid-config");
  });

  it("configures normal mode, the rate, the range, block data update and the FIFO in stream mode", () => {
    const { chip, sensor } = setup(still, { rate: 50, range: 8 });
    expect(chip.regs[0x20]).toBe((4 << 4) | 0x07); // 50 Hz, LPen 0, X Y Z
    expect(chip.regs[0x23]).toBe(0x80 | (2 << 4)); // BDU, +-8 g, HR 0
    expect(chip.regs[0x24] & 0x40).toBe(0x40); // FIFO_EN
    expect(chip.regs[0x2e] >> 6).toBe(2); // stream
    expect(chip.outputRate).toBe(50);
    expect(sensor.outputRate).toBe(50);
    expect(sensor.scale).toBe(0.016);
  });

  it("drains the FIFO in one burst: every sample once, in order, in g to the LSB", () => {
    const { bus, sensor } = setup(ramp); // 25 Hz, +-4 g: 8 mg per count
    bus.advance(400);
    const first = sensor.sample();
    expect(first.count).toBe(10);
    expect(first.discontinuity).toBe(false);
    const values = axes(first, sensor.scale);
    values.forEach(([x, y, z], i) => {
      expect(x).toBeCloseTo(-1 + (i + 1) * 0.04, 1);
      expect(y).toBe(0);
      expect(z).toBeCloseTo(1, 2);
    });
    for (let i = 1; i < values.length; i++) expect(values[i][0]).toBeGreaterThan(values[i - 1][0]);
    expect(sensor.sample().count).toBe(0); // drained
    bus.advance(120);
    expect(sensor.sample().count).toBe(3);
  });

  it("reads gravity on a still wrist to within one count on each axis", () => {
    const { bus, sensor } = setup(still);
    bus.advance(1000);
    const s = sensor.sample();
    expect(s.count).toBe(25);
    for (const [x, y, z] of axes(s, sensor.scale)) {
      expect(Math.abs(x - 0.25)).toBeLessThanOrEqual(0.008);
      expect(Math.abs(y + 0.5)).toBeLessThanOrEqual(0.008);
      expect(Math.abs(z - 0.8)).toBeLessThanOrEqual(0.008);
    }
  });

  it("a FIFO that overflowed (stream mode kept the newest 32) is reported as a discontinuity", () => {
    const { bus, chip, sensor } = setup(ramp);
    bus.advance(2000); // 50 samples, 32 kept
    const s = sensor.sample();
    expect(chip.overwritten).toBe(18);
    expect(s.count).toBe(32);
    expect(s.discontinuity).toBe(true);
    expect(s.xyz[0] * sensor.scale).toBeCloseTo(-1 + 19 * 0.04, 1); // the oldest kept is the 19th
    bus.advance(200);
    expect(sensor.sample()).toMatchObject({ count: 5, discontinuity: false });
  });

  it("a failed read is a bus error, and the next drain says the stream is not continuous", () => {
    const { bus, sensor } = setup(still);
    bus.advance(200);
    bus.failNext(1, "bus-error", { address: 0x19 });
    expect(thrown(() => sensor.sample(), SensorError).code).toBe("bus");
    bus.advance(100);
    expect(sensor.sample().discontinuity).toBe(true);
    bus.advance(100);
    expect(sensor.sample().discontinuity).toBe(false);
  });

  it("works at the other address (SA0 low)", () => {
    const { bus, sensor } = setup(still, {}, 0x18);
    bus.advance(200);
    expect(sensor.sample().count).toBe(5);
  });

  it("measures arm motion: a 1.3 Hz, 0.4 g swing shows as 0.4 g peaks beyond gravity", () => {
    const arm = new ArmMotion({ seed: 3, episodes: [{ kind: "swing", start: 0, duration: 20, cadence: 1.3, amplitude: 0.4 }] });
    const { bus, sensor } = setup(arm);
    const samples: number[][] = [];
    for (let t = 0; t < 10_000; t += 100) {
      bus.advance(100);
      samples.push(...axes(sensor.sample(), sensor.scale));
    }
    const mean = [0, 1, 2].map((k) => samples.reduce((sum, a) => sum + a[k], 0) / samples.length);
    expect(Math.hypot(mean[0], mean[1], mean[2])).toBeCloseTo(1, 1); // gravity
    const peak = Math.max(...samples.map((a) => Math.hypot(a[0] - mean[0], a[1] - mean[1], a[2] - mean[2])));
    expect(peak).toBeGreaterThan(0.3); // 0.4 g fundamental, 0.12 g second harmonic
    expect(peak).toBeLessThan(0.6);
  });
});

describe("LIS2DH12 model", () => {
  it("answers WHO_AM_I 0x33, and auto-increments only with bit 7 of the sub-address set", () => {
    const chip = new Lis2dh12Model({ source: still });
    chip.write(Uint8Array.of(0x0f));
    expect(chip.read(1)).toEqual(Uint8Array.of(0x33));
    chip.write(Uint8Array.of(0x20, 0x37)); // 25 Hz
    chip.advance(40);
    chip.write(Uint8Array.of(0x28));
    const same = chip.read(2);
    expect(same[0]).toBe(same[1]); // no increment: OUT_X_L twice
    chip.write(Uint8Array.of(0x80 | 0x28));
    const xyz = new Int16Array(chip.read(6).buffer);
    expect(xyz[2] >> 6).toBe(Math.round(800 / 4)); // +-2 g after power-on: 4 mg per count, 10-bit, left-justified
  });

  it("empties the FIFO in bypass mode and stops collecting when full in FIFO mode", () => {
    const chip = new Lis2dh12Model({ source: still });
    chip.write(Uint8Array.of(0x20, 0x57)); // 100 Hz
    chip.write(Uint8Array.of(0x24, 0x40)); // FIFO_EN
    chip.write(Uint8Array.of(0x2e, 0x40)); // FIFO mode
    chip.advance(500);
    expect(chip.unread).toBe(32);
    chip.write(Uint8Array.of(0x2f));
    expect(chip.read(1)[0] & 0x40).toBe(0x40); // OVRN_FIFO
    expect(chip.overwritten).toBe(0);
    chip.write(Uint8Array.of(0x2e, 0x00)); // bypass
    expect(chip.unread).toBe(0);
    chip.write(Uint8Array.of(0x2f));
    expect(chip.read(1)[0] & 0x20).toBe(0x20); // EMPTY
  });
});
