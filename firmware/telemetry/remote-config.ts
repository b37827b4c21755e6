// Remote configuration: JSON on devices/<id>/config, applied as a partial update over the configuration in
// force (config.ts validates it), kept on storage so the next boot starts with it, and refused with the
// reason on devices/<id>/config/rejected when anything in it is invalid (the configuration in force stays).
import { MessageTooLargeError } from "../mqtt/client/client-errors.js";
import type { Storage } from "../platform/ports.js";
import { encodeUtf8 } from "../mqtt/common/utf8.js";
import { asError } from "../mqtt/common/as-error.js";
import { ConfigError, configDocument, parseConfigUpdate, rejectionDocument, type AppConfig } from "./config.js";
import type { DeviceTopics } from "./device-topics.js";
import type { Publisher } from "./uplink.js";

/** Storage name of the last accepted remote configuration. */
const CONFIG_FILE = "config";

export interface ConfigTarget {
  readonly config: AppConfig;
  /** A configuration takes effect. */
  apply(config: AppConfig): void;
  error(error: Error): void;
}

export class RemoteConfig {
  readonly #topics: DeviceTopics;
  readonly #storage: Storage;
  readonly #publisher: Publisher;
  readonly #target: ConfigTarget;

  constructor(topics: DeviceTopics, storage: Storage, publisher: Publisher, target: ConfigTarget) {
    this.#topics = topics;
    this.#storage = storage;
    this.#publisher = publisher;
    this.#target = target;
  }

  /** The configuration stored by an earlier boot over `initial`, or `initial` when there is none (or it is
   *  torn or outdated: then the error says why). */
  static stored(storage: Storage, initial: AppConfig, onError: (error: Error) => void): AppConfig | undefined {
    const stored = storage.read(CONFIG_FILE);
    if (stored === undefined) return undefined;
    const result = parseConfigUpdate(initial, new Uint8Array(stored));
    if (!result.ok) {
      onError(result.error);
      return undefined;
    }
    return result.config;
  }

  /** A message on the config topic. */
  message(payload: Uint8Array): void {
    if (payload.length === 0) return; // a cleared retained config (MQTT 3.3.1.3): nothing to apply
    const result = parseConfigUpdate(this.#target.config, payload);
    if (!result.ok) {
      this.#publisher.publish(this.#topics.configRejected, rejectionDocument(result.error), { qos: 1 });
      this.#target.error(result.error);
      return;
    }
    this.#target.apply(result.config);
    try {
      this.#storage.write(CONFIG_FILE, encodeUtf8(configDocument(result.config)));
    } catch (error) {
      this.#target.error(asError(error));
    }
  }

  /** The client skipped (and acknowledged) a message too large to read: if it was a configuration, say so. */
  tooLarge(error: MessageTooLargeError): void {
    if (error.topic !== this.#topics.config) return;
    const refusal = new ConfigError("too-large", `a configuration of ${error.size} bytes exceeds the device's limit of ${error.limit} bytes (MQTT packet)`);
    this.#publisher.publish(this.#topics.configRejected, rejectionDocument(refusal, error.limit), { qos: 1 });
  }
}
