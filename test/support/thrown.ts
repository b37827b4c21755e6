// The error a call throws, checked to be of the expected class: tests then assert on its code and fields.
import { expect } from "vitest";

export function thrown<E extends Error>(f: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`);
}
