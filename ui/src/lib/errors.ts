// How an ErrorPayload from Rust is shown: a translated title and hint chosen by its stable
// `code` (messages `errors.<code>.title` / `.hint`), with AWS's own message as a details line.
import type { ErrorCode, ErrorPayload } from "./bindings";

/** Every code Rust can send. svelte-check fails here when bindings.ts gains or loses one. */
export const ERROR_CODES = [
  "no_region",
  "no_credentials",
  "invalid_key_id",
  "signature_mismatch",
  "expired_token",
  "clock_skew",
  "no_network",
  "unknown_region",
  "access_denied",
  "aws",
  "invalid",
  "keyring_unavailable",
  "credential_not_found",
  "profile_not_found",
  "internal",
] as const satisfies readonly ErrorCode[];

type Missing = Exclude<ErrorCode, (typeof ERROR_CODES)[number]>;
// If this line fails to compile, add the code named in the error to ERROR_CODES and to
// errors.<code> in en.json and ko.json.
const _everyCodeListed: [Missing] extends [never] ? true : Missing = true;
void _everyCodeListed;

/** The message keys for a payload; an unknown code (a newer Rust) reads as `internal`. */
export function errorKeys(payload: ErrorPayload): { title: string; hint: string } {
  const code = (ERROR_CODES as readonly string[]).includes(payload.code)
    ? payload.code
    : "internal";
  return { title: `errors.${code}.title`, hint: `errors.${code}.hint` };
}
