// The MQTT 3.1.1 / 5.0 codec in one import: packets <-> bytes, topic rules, UTF-8.
export { encode } from "./encode.js";
export { DEFAULT_MAXIMUM_PACKET_SIZE, PacketDecoder, decodePacket, type PacketDecoderOptions } from "./decode.js";
export { topicMatches, validateTopicFilter, validateTopicName } from "./topics.js";
export { decodeUtf8, encodeUtf8, utf8Length } from "./utf8.js";
export { ProtocolError, ReasonCode, type ProtocolErrorCode } from "./errors.js";
export type * from "./packets.js";
