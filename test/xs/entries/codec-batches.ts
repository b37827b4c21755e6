// XS entry: the MQTT codec, called in batches so one crank handles many packets.
import { encode } from "../../../firmware/mqtt/codec/encode.js";
import { decodePacket, PacketDecoder } from "../../../firmware/mqtt/codec/decode.js";
import type { Packet, ProtocolVersion } from "../../../firmware/mqtt/codec/packets.js";
import { expose } from "../../../host-sim/xs/runtime/host-channel.js";
import { fromWire, type Outcome, outcomeOf } from "./codec-wire.js";

expose({
  encodeAll: (packets: Packet[], version: ProtocolVersion): Outcome<Uint8Array>[] =>
    packets.map((packet) => outcomeOf(() => encode(fromWire(packet) as Packet, version))),
  decodeAll: (frames: ArrayBuffer[], version: ProtocolVersion): Outcome<Packet>[] =>
    frames.map((frame) => outcomeOf(() => decodePacket(new Uint8Array(frame), version))),
  /** Feed a stream in the given chunk sizes; returns the packets and the error that ended it, if any. */
  stream: (stream: ArrayBuffer, chunkSizes: number[], version: ProtocolVersion, maximumPacketSize?: number) => {
    const decoder = new PacketDecoder({ protocolVersion: version, maximumPacketSize });
    const bytes = new Uint8Array(stream);
    const packets: Packet[] = [];
    let at = 0;
    let i = 0;
    const ended = outcomeOf(() => {
      while (at < bytes.length) {
        const size = chunkSizes[i++ % chunkSizes.length];
        decoder.push(bytes.subarray(at, at + size), (packet) => packets.push(packet));
        at += size;
      }
      return packets.length;
    });
    return { packets, ended };
  },
});
