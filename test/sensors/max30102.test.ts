import { describe, expect, it } from "vitest";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Max30102Model, type Max30102ModelOptions } from "../../host-sim/chips/max30102-model.js";
import { constantLight, type OpticalSource } from "../../host-sim/chips/optical.js";
import { SensorError } from "../../firmware/sensors/sensor-error.js";
import { Max30102, type Max30102Options } from "../../firmware/sensors/max30102.js";
import { thrown } from "../support/thrown.js";

/** IR light rising with time: every FIFO sample is larger than the one before, so order and loss show. */
const ramp: OpticalSource = {
  sample(t, out) {
    out.ir = 50 + t * 1000 * 0.002;
    out.red = 40;
    out.ambient = 0;
  },
};
/** The IR counts the ramp gives at `ms` with the default 7.2 mA and 4096 nA range. */
const rampCounts = (ms: number) => Math.round(((7.2 * (50 + ms * 0.002)) / 4096) * 262144);

function setup(model: Partial<Max30102ModelOptions> = {}, driver: Partial<Max30102Options> = {}) {
  const bus = new VirtualI2CBus();
  const chip = new Max30102Model({ source: constantLight(150, 180), ...model });
  bus.attach(chip);
  const sensor = new Max30102({ sensor: { io: bus.io }, ...driver });
  return { bus, chip, sensor };
}


describe("MAX30102 driver against the register-level model", () => {
  it("reports an absent chip clearly", () => {
    const bus = new VirtualI2CBus();
    const error = thrown(() => new Max30102({ sensor: { io: bus.io } }), SensorError);
    expect(error.code).toBe("absent");
    expect(error.address).toBe(0x57);
    expect(error.message).toMatch(/MAX30102 at 0x57/);
  });

  it("refuses another part at 0x57 by its part id", () => {
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: constantLight(1, 1), partId: 0x11 }));
    const error = thrown(() => new Max30102({ sensor: { io: bus.io } }), SensorError);
    expect(error.code).toBe("wrong-part");
    expect(error.message).toMatch(/0x11/);
  });

  it("resets, polling until RESET clears, and gives up with a timeout when it never does", () => {
    expect(() => setup({ resetReads: 5 })).not.toThrow();
    expect(thrown(() => setup({ resetReads: 1000 }), SensorError).code).toBe("timeout");
  });

  it("resets on demand and comes back with the same configuration", () => {
    const { bus, chip, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1, irCurrent: 10 });
    bus.advance(100);
    sensor.reset();
    expect(chip.regs[0x0d]).toBe(50);
    expect(chip.unread).toBe(0);
    bus.advance(100);
    expect(sensor.sample().count).toBe(10);
  });

  it("writes mode, sample rate, pulse width, ADC range, LED currents, averaging and almost-full", () => {
    const { chip, sensor } = setup({}, { sampleRate: 100, pulseWidth: 215, adcRange: 8192, redCurrent: 10, irCurrent: 6.4, sampleAverage: 2, almostFull: 20, rollover: false });
    expect(chip.regs[0x09]).toBe(0x03); // SpO2
    expect(chip.regs[0x0a]).toBe((2 << 5) | (1 << 2) | 2);
    expect(chip.regs[0x0c]).toBe(50);
    expect(chip.regs[0x0d]).toBe(32);
    expect(chip.regs[0x08]).toBe((1 << 5) | (32 - 20));
    expect(sensor.outputRate).toBe(50);
    sensor.configure({ mode: "heart-rate", shutdown: true });
    expect(chip.regs[0x09]).toBe(0x82);
  });

  it("keeps the current value of a setting given as undefined", () => {
    const { chip, sensor } = setup({}, { sampleRate: 100 });
    sensor.configure({ sampleRate: undefined, pulseWidth: 118, interrupts: { almostFull: true, dataReady: undefined } });
    expect(sensor.configuration.sampleRate).toBe(100);
    expect(chip.regs[0x0a] & 0x1f).toBe((1 << 2) | 1);
    expect(chip.regs[0x02]).toBe(0x80);
  });

  it("rejects settings the part cannot do", () => {
    const { sensor } = setup();
    expect(thrown(() => sensor.configure({ sampleRate: 1600, pulseWidth: 411 }), SensorError).code).toBe("invalid-config");
    expect(thrown(() => sensor.configure({ sampleRate: 123 as 100 }), SensorError).code).toBe("invalid-config");
    expect(thrown(() => sensor.configure({ irCurrent: 60 }), SensorError).code).toBe("invalid-config");
    expect(thrown(() => sensor.configure({ almostFull: 10 }), SensorError).code).toBe("invalid-config");
    expect(thrown(() => sensor.configure({ mode: "proximity" as "spo2" }), SensorError).code).toBe("invalid-config");
    expect(thrown(() => sensor.configure({ mode: "multi-led", slots: ["none", "ir", "none", "none"] }), SensorError).code).toBe("invalid-config");
  });

  it("turns light into 18-bit counts by LED current and ADC range, red then IR", () => {
    const { bus, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1, redCurrent: 5, irCurrent: 10, adcRange: 4096, pulseWidth: 411 });
    bus.advance(100);
    const s = sensor.sample();
    expect(s.count).toBe(10);
    expect(s.red[0]).toBe(Math.round(((5 * 150) / 4096) * 262144));
    expect(s.ir[0]).toBe(Math.round(((10 * 180) / 4096) * 262144));
    expect(s.lost).toBe(0);
    expect(s.discontinuity).toBe(false);
  });

  it("leaves the low bits zero at lower resolution and fills only red in heart-rate mode", () => {
    const { bus, sensor } = setup({}, { mode: "heart-rate", sampleRate: 100, pulseWidth: 69, sampleAverage: 1 });
    bus.advance(50);
    const s = sensor.sample();
    expect(s.count).toBe(5);
    expect(s.red[0] & 0x7).toBe(0);
    expect(s.red[0]).toBeGreaterThan(0);
    expect(s.ir[0]).toBe(0);
  });

  it("averages conversions into FIFO samples at sampleRate / sampleAverage", () => {
    const { bus, chip, sensor } = setup({ source: ramp }, { sampleRate: 400, sampleAverage: 4 });
    bus.advance(200);
    expect(chip.conversions).toBe(80);
    expect(sensor.sample().count).toBe(20);
  });

  it("drains across many pointer wraps without losing or reordering a sample", () => {
    const { bus, chip, sensor } = setup({ source: ramp }, { sampleRate: 100, sampleAverage: 1 });
    let total = 0;
    let last = -1;
    for (let i = 0; i < 60; i++) {
      bus.advance(170 + (i % 7) * 20); // 17..29 samples per drain, never a full FIFO
      const s = sensor.sample();
      expect(s.lost).toBe(0);
      for (let k = 0; k < s.count; k++) {
        expect(s.ir[k]).toBeGreaterThan(last);
        last = s.ir[k];
      }
      total += s.count;
    }
    expect(total).toBe(chip.samplesProduced);
    expect(total).toBeGreaterThan(32 * 10);
  });

  it("counts overflowed samples and keeps the newest with rollover", () => {
    const { bus, sensor } = setup({ source: ramp }, { sampleRate: 100, sampleAverage: 1, rollover: true });
    bus.advance(500); // 50 samples into a 32-deep FIFO
    const s = sensor.sample();
    expect(s.count).toBe(32);
    expect(s.lost).toBe(18);
    expect(s.discontinuity).toBe(true);
    // Samples 0..17 (taken at 10..180 ms) were overwritten; 18..49 (190..500 ms) remain, in order.
    for (let k = 0; k < 32; k++) expect(Math.abs(s.ir[k] - rampCounts(190 + 10 * k))).toBeLessThanOrEqual(1);
    expect(sensor.lostTotal).toBe(18);
    bus.advance(100);
    const next = sensor.sample();
    expect(next.count).toBe(10);
    expect(next.lost).toBe(0);
    expect(next.discontinuity).toBe(false);
  });

  it("keeps the oldest samples without rollover, still counting the lost ones", () => {
    const { bus, sensor } = setup({ source: ramp }, { sampleRate: 100, sampleAverage: 1, rollover: false });
    bus.advance(500);
    const s = sensor.sample();
    expect(s.count).toBe(32);
    expect(s.lost).toBe(18);
    // Samples 0..31 (10..320 ms) stayed; the 18 after them were dropped.
    for (let k = 0; k < 32; k++) expect(Math.abs(s.ir[k] - rampCounts(10 + 10 * k))).toBeLessThanOrEqual(1);
  });

  it("flags a saturated overflow counter (0x1F) as a lower bound", () => {
    const { bus, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1 });
    bus.advance(2000);
    const s = sensor.sample();
    expect(s.lost).toBe(31);
    expect(s.lostSaturated).toBe(true);
  });

  it("surfaces a bus error as a typed error and marks the next read discontinuous", () => {
    const { bus, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1 });
    bus.advance(100);
    bus.failNext(1);
    const error = thrown(() => sensor.sample(), SensorError);
    expect(error.code).toBe("bus");
    expect(error.message).toMatch(/register 0x4/);
    bus.advance(100);
    const s = sensor.sample();
    expect(s.count).toBe(20);
    expect(s.discontinuity).toBe(true);
    expect(sensor.sample().discontinuity).toBe(false);
  });

  it("treats a failed FIFO data read as a discontinuity, not as a silent loss", () => {
    const { bus, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1 });
    bus.advance(100);
    bus.failNext(1, "bus-error", { after: 2 }); // pointer write and read pass, the FIFO_DATA pointer write fails
    expect(thrown(() => sensor.sample(), SensorError).code).toBe("bus");
    bus.advance(100);
    const s = sensor.sample();
    expect(s.count).toBe(20);
    expect(s.discontinuity).toBe(true);
  });

  it("raises almost-full and data-ready interrupts, cleared by reading the status", () => {
    const { bus, chip, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1, almostFull: 17, interrupts: { almostFull: true } });
    sensor.readInterrupts();
    bus.advance(160);
    expect(chip.interruptAsserted).toBe(false);
    bus.advance(10);
    expect(chip.interruptAsserted).toBe(true);
    const status = sensor.readInterrupts();
    expect(status & 0x80).toBe(0x80);
    expect(status & 0x40).toBe(0x40);
    expect(chip.interruptAsserted).toBe(false);
    expect(sensor.readInterrupts() & 0xc0).toBe(0);
  });

  it("flags ambient light beyond what the ambient light cancellation can remove (ALC_OVF)", () => {
    const { bus, chip, sensor } = setup({ source: constantLight(150, 180, 500_000) }, { interrupts: { ambientOverflow: true } });
    sensor.readInterrupts();
    bus.advance(20);
    expect(chip.interruptAsserted).toBe(true);
    expect(sensor.readInterrupts() & 0x20).toBe(0x20);
    chip.source = constantLight(150, 180, 100);
    bus.advance(20);
    expect(sensor.readInterrupts() & 0x20).toBe(0);
  });

  it("reads the die temperature after its conversion, with sign and fraction", () => {
    const { bus, chip, sensor } = setup({ dieTemperature: -5.25 }, { interrupts: { dieTemperature: true } });
    sensor.startDieTemperature();
    bus.advance(10);
    expect(sensor.readDieTemperature()).toBeUndefined();
    bus.advance(25);
    expect(chip.interruptAsserted).toBe(true);
    expect(sensor.readDieTemperature()).toBe(-5.25);
    chip.dieTemperature = 31.8125;
    sensor.startDieTemperature();
    bus.advance(30);
    expect(sensor.readDieTemperature()).toBe(31.8125);
  });

  it("produces nothing in shutdown and resumes on wake", () => {
    const { bus, sensor } = setup({}, { sampleRate: 100, sampleAverage: 1 });
    sensor.configure({ shutdown: true });
    bus.advance(200);
    expect(sensor.sample().count).toBe(0);
    sensor.configure({ shutdown: false });
    bus.advance(200);
    expect(sensor.sample().count).toBe(20);
  });

  it("maps multi-LED slots and swapped clone boards to the right channels", () => {
    const { bus, sensor } = setup({ source: constantLight(100, 200) }, { mode: "multi-led", slots: ["ir", "red", "none", "none"], sampleRate: 100, sampleAverage: 1, redCurrent: 5, irCurrent: 5 });
    bus.advance(50);
    const s = sensor.sample();
    expect(s.count).toBe(5);
    expect(s.ir[0]).toBe(2 * s.red[0]);
    const swapped = setup({ source: constantLight(100, 200) }, { irFirst: true, sampleRate: 100, sampleAverage: 1, redCurrent: 5, irCurrent: 5 });
    swapped.bus.advance(50);
    const t = swapped.sensor.sample();
    // The model stores red first; a driver told the board stores IR first swaps them.
    expect(t.red[0]).toBe(2 * t.ir[0]);
  });
});
