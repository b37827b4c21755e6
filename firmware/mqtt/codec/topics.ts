// Topic Names and Topic Filters (section 4.7 in both MQTT 3.1.1 and 5.0).
import { protocolError } from "./protocol-error.js";
import { MAX_STRING_BYTES, utf8Length } from "../common/utf8.js";

const PLUS = 0x2b; // '+'
const HASH = 0x23; // '#'
const SLASH = 0x2f; // '/'
const DOLLAR = 0x24; // '$'

function checkedLength(s: string, what: string, utf8Section: string): number {
  // 4.7.3: at least one character; 1.5.4: at most 65535 bytes once encoded.
  if (s.length === 0) throw protocolError("4.7.3", `a ${what} must be at least one character long`);
  const bytes = utf8Length(s, utf8Section);
  if (bytes > MAX_STRING_BYTES) throw protocolError("4.7.3", `a ${what} must not exceed 65535 bytes (got ${bytes})`);
  return bytes;
}

/**
 * Checks a Topic Name (what PUBLISH and a Will carry) and returns its length in UTF-8 bytes. Throws a
 * ProtocolError for an empty name (4.7.3), wildcards (4.7.1.1; PUBLISH says 3.3.2.1), U+0000 or a lone
 * surrogate (1.5.4), more than 65535 bytes.
 */
export function validateTopicName(topic: string, wildcardSection = "4.7.1.1", utf8Section = "1.5.4"): number {
  const bytes = checkedLength(topic, "Topic Name", utf8Section);
  rejectWildcards(topic, wildcardSection);
  return bytes;
}

/** The wildcard part of validateTopicName, for a name already known to be a valid UTF-8 string. */
export function rejectWildcards(topic: string, section = "4.7.1.1"): void {
  if (topic.indexOf("+") >= 0 || topic.indexOf("#") >= 0) {
    throw protocolError(section, `a Topic Name must not contain wildcards: "${topic}"`);
  }
}

/**
 * Checks a Topic Filter (SUBSCRIBE, UNSUBSCRIBE) and returns its length in UTF-8 bytes: '#' only as the
 * whole last level (4.7.1.2), '+' only as a whole level (4.7.1.3), not empty (4.7.3).
 */
export function validateTopicFilter(filter: string, utf8Section = "1.5.4"): number {
  const bytes = checkedLength(filter, "Topic Filter", utf8Section);
  const n = filter.length;
  for (let i = 0; i < n; i++) {
    const c = filter.charCodeAt(i);
    if (c !== PLUS && c !== HASH) continue;
    const levelStart = i === 0 || filter.charCodeAt(i - 1) === SLASH;
    const levelEnd = i === n - 1 || filter.charCodeAt(i + 1) === SLASH;
    if (c === HASH && (!levelStart || i !== n - 1)) {
      throw protocolError("4.7.1.2", `'#' must be the last character and occupy a whole level: "${filter}"`);
    }
    if (c === PLUS && (!levelStart || !levelEnd)) {
      throw protocolError("4.7.1.3", `'+' must occupy a whole level: "${filter}"`);
    }
  }
  return bytes;
}

const SHARE_PREFIX = "$share/";

/**
 * MQTT 5.0 Shared Subscriptions (4.8.2), for a Topic Filter that already passed validateTopicFilter:
 * "$share/{ShareName}/{filter}" needs a ShareName of at least one character without '+' or '#', and a
 * filter after it; No Local must not be set on one (3.8.3.1). In 3.1.1 such a filter is an ordinary one.
 */
export function checkSharedSubscription(filter: string, noLocal: boolean): void {
  if (!filter.startsWith(SHARE_PREFIX)) return;
  const slash = filter.indexOf("/", SHARE_PREFIX.length);
  const name = filter.slice(SHARE_PREFIX.length, slash < 0 ? filter.length : slash);
  if (name === "" || name.indexOf("+") >= 0 || name.indexOf("#") >= 0) {
    throw protocolError("4.8.2", `a Shared Subscription needs a ShareName without wildcards: "${filter}"`);
  }
  if (slash < 0 || slash === filter.length - 1) {
    throw protocolError("4.8.2", `a Shared Subscription's ShareName must be followed by "/" and a Topic Filter: "${filter}"`);
  }
  if (noLocal) throw protocolError("3.8.3.1", `No Local must not be set on a Shared Subscription: "${filter}"`);
}

/**
 * Whether `topic` (a valid Topic Name) matches `filter` (a valid Topic Filter), level by level (4.7.1).
 * A name starting with '$' is not matched by a filter starting with a wildcard (4.7.2). "a/#" also
 * matches the parent "a" (4.7.1.2); "+" matches an empty level (4.7.1.3).
 */
export function topicMatches(filter: string, topic: string): boolean {
  const fn = filter.length;
  const tn = topic.length;
  if (tn > 0 && topic.charCodeAt(0) === DOLLAR) {
    const f0 = filter.charCodeAt(0);
    if (f0 === PLUS || f0 === HASH) return false;
  }
  let fi = 0;
  let ti = 0;
  for (;;) {
    // Both indexes are at the start of a level.
    const f = filter.charCodeAt(fi);
    if (f === HASH) return true;
    if (f === PLUS) {
      fi++;
      while (ti < tn && topic.charCodeAt(ti) !== SLASH) ti++;
    } else {
      while (fi < fn && filter.charCodeAt(fi) !== SLASH) {
        if (ti >= tn || topic.charCodeAt(ti) !== filter.charCodeAt(fi)) return false;
        fi++;
        ti++;
      }
      if (ti < tn && topic.charCodeAt(ti) !== SLASH) return false;
    }
    // Both at a '/' or at their end.
    if (fi === fn) return ti === tn;
    if (ti === tn) return fn - fi === 2 && filter.charCodeAt(fi + 1) === HASH;
    fi++;
    ti++;
  }
}
