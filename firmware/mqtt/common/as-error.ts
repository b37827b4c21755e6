// Whatever a callback threw, as an Error a caller can report (JavaScript lets code throw any value).
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
