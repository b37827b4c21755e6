// What can go wrong with the device's identity: its credentials store, the certificates in it, and their
// renewal over MQTT. Messages name what was wrong, never key bytes.
import { CodedError } from "../mqtt/common/coded-error.js";

export type IdentityErrorCode =
  | "malformed" // DER that does not parse (a certificate, a key, a signing request)
  | "no-credentials" // the store holds no usable identity: the device was never provisioned
  | "bad-credentials" // a stored record lacks a key, a certificate or a CA, or its certificate has no CN
  | "store-full" // a record does not fit its slot of the partition
  | "renewal-refused" // the renewal service answered with a refusal (devices/<id>/cert/rejected)
  | "renewal-invalid" // an issued certificate is not for this device, this key, or later than the current one
  | "renewed-refused"; // the broker refused the renewed certificate: the device went back to the previous one

export class IdentityError extends CodedError<IdentityErrorCode> {
  override readonly name: string = "IdentityError";
}
