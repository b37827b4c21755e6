// XS entry for the bench: the firmware's hot loops on data staged beforehand, so a measured call runs the
// firmware code and nothing else (one bridge call, whose fixed cost `noop` measures).
import { PacketDecoder } from "../../../firmware/mqtt/codec/decode.js";
import { HeartRateEstimator } from "../../../firmware/sensors/heart-rate.js";
import { expose } from "../runtime/host-channel.js";

let stream = new Uint8Array(0);
let samples = new Int32Array(0);
let estimator: HeartRateEstimator | undefined;

expose({
  noop() {},

  stageStream(bytes: ArrayBuffer) {
    stream = new Uint8Array(bytes);
  },

  /** Decode the staged stream as it would arrive from a socket, `chunk` bytes at a time. */
  decodeStaged(chunk: number): number {
    const decoder = new PacketDecoder({ protocolVersion: 4 });
    let packets = 0;
    const count = () => packets++;
    for (let at = 0; at < stream.length; at += chunk) decoder.push(stream.subarray(at, at + chunk), count);
    return packets;
  },

  /** IR counts (Int32, host byte order) and their rate; the estimator starts afresh. */
  stagePpg(bytes: ArrayBuffer, sampleRate: number) {
    samples = new Int32Array(bytes);
    estimator = new HeartRateEstimator({ sampleRate });
  },

  /** Push staged samples [from, to) into the estimator; returns the readings it made. */
  estimate(from: number, to: number): number {
    let readings = 0;
    for (let i = from; i < to; i++) if (estimator!.push(samples[i])) readings++;
    return readings;
  },
});
