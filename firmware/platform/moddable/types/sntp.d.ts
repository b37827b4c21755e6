// The SDK's "sntp" module (typings/sntp.d.ts).
declare module "sntp" {
  type SNTPCallbackMessage = -1 | 1 | 2;
  class SNTP {
    /** The callback's message when a time arrived: `value` is seconds since the Unix epoch. */
    static readonly time: 1;
    /** Trying the next server. */
    static readonly retry: 2;
    /** No time could be retrieved. */
    static readonly error: -1;
    constructor(options: { host: string }, callback: (message: SNTPCallbackMessage, value?: number) => void);
    close(): void;
  }
  export { SNTP as default };
}
