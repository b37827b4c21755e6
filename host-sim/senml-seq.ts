// What a back end does with the "seq" label of the device's SenML packs (firmware/telemetry/payload.ts):
// it carries over like a base value, so a record without it has the previous record's seq + 1.
/** The sequence number of each record of a pack, in order (records are JSON objects or CBOR maps, whose
 *  "seq" is a text key). A first record without one is not ours. */
export function resolveSeqs(pack: readonly ({ seq?: unknown } | Map<unknown, unknown>)[]): number[] {
  const seqs: number[] = [];
  for (const record of pack) {
    const given = record instanceof Map ? record.get("seq") : record.seq;
    if (typeof given === "number" && Number.isSafeInteger(given)) seqs.push(given);
    else if (given === undefined && seqs.length > 0) seqs.push(seqs[seqs.length - 1] + 1);
    else throw new Error(`record ${seqs.length} of the pack has no usable seq: ${String(given)}`);
  }
  return seqs;
}
