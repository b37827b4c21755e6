// The backend of the wire bench: an MQTT.js subscriber (the ingest identity, directly on the broker, not
// through a counting relay) that counts the readings delivered on devices/<id>/telemetry, so a run only
// counts when the broker really accepted and routed every reading (a 3.1.1 broker acknowledges a PUBLISH
// its ACL drops).
import type { TestPki } from "../../support/certs.js";
import { connectIngest } from "../../support/ingest.js";
import { decodeCbor } from "../../support/cbor-decode.js";
import { until } from "./run-result.js";

export interface Backend {
  /** Waits for `expected` readings received since the last take(); throws when they do not all arrive. */
  take(expected: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBackend(pki: TestPki, port: number, deviceId: string): Promise<Backend> {
  const client = await connectIngest(pki, port, { clientId: "wire-bench-ingest" });
  await client.subscribeAsync(`devices/${deviceId}/telemetry`, { qos: 1 });
  let count = 0;
  client.on("message", (_topic, payload) => {
    // A SenML CBOR pack is an array (major type 4); the naive peer sends one JSON object per reading.
    count += payload[0] >> 5 === 4 ? (decodeCbor(payload).value as unknown[]).length : 1;
  });
  return {
    async take(expected) {
      try {
        await until(() => count >= expected, "the subscriber");
      } catch {
        throw new Error(`wire bench: the subscriber received ${count} of ${expected} readings`);
      }
      if (count > expected) throw new Error(`wire bench: the subscriber received ${count} readings, ${expected} were sent`);
      count = 0;
    },
    close: () => client.endAsync(),
  };
}
