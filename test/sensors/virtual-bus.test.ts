import { describe, expect, it } from "vitest";
import { I2CBusError, VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Max30102Model } from "../../host-sim/chips/max30102-model.js";
import { constantLight } from "../../host-sim/chips/optical.js";

function busWithMax30102() {
  const bus = new VirtualI2CBus();
  bus.attach(new Max30102Model({ source: constantLight(100, 100) }));
  return bus;
}

describe("virtual I2C bus", () => {
  it("NACKs an address with no chip", () => {
    const bus = busWithMax30102();
    const io = new bus.io({ address: 0x48 });
    expect(() => io.write(Uint8Array.of(0))).toThrow(I2CBusError);
    try {
      io.read(1);
    } catch (error) {
      expect((error as I2CBusError).code).toBe("nack");
    }
  });

  it("reads a register with a pointer write then a read, as the ECMA-419 I2C class does", () => {
    const io = new (busWithMax30102().io)({ address: 0x57 });
    io.write(Uint8Array.of(0xff), false);
    expect(new Uint8Array(io.read(1))).toEqual(Uint8Array.of(0x15));
  });

  it("fails exactly the next N transfers when told to, then works again", () => {
    const bus = busWithMax30102();
    const io = new bus.io({ address: 0x57 });
    bus.failNext(2);
    expect(() => io.write(Uint8Array.of(0xff))).toThrow(/bus error/);
    expect(() => io.read(1)).toThrow(/bus error/);
    io.write(Uint8Array.of(0xff));
    expect(new Uint8Array(io.read(1))[0]).toBe(0x15);
  });

  it("limits injected faults to one address when asked", () => {
    const bus = busWithMax30102();
    bus.attach(new Max30102Model({ source: constantLight(1, 1), address: 0x58 }));
    bus.failNext(1, "bus-error", { address: 0x58 });
    const a = new bus.io({ address: 0x57 });
    const b = new bus.io({ address: 0x58 });
    a.write(Uint8Array.of(0xff));
    expect(() => b.write(Uint8Array.of(0xff))).toThrow(I2CBusError);
    b.write(Uint8Array.of(0xff));
  });

  it("refuses a closed instance, a bad address and two chips on one address", () => {
    const bus = busWithMax30102();
    const io = new bus.io({ address: 0x57 });
    io.close();
    expect(() => io.read(1)).toThrow(/closed/);
    expect(() => new bus.io({ address: 0x80 })).toThrow(RangeError);
    expect(() => bus.attach(new Max30102Model({ source: constantLight(1, 1) }))).toThrow(/in use/);
  });
});
