// How an ErrorPayload from Rust is shown: a translated title and hint chosen by its stable
// `code` (messages `errors.<code>.title` / `.hint`), with AWS's own message as a details line.
import type { ErrorCode } from "./bindings";

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
  "not_ours",
  "no_default_vpc",
  "wrong_account",
  "wait_timeout",
  "quota_exceeded",
  "first_run_failed",
  "cancelled",
  "internal",
] as const satisfies readonly ErrorCode[];

// If this fails to compile ("Property 'x' is missing"), add code x to ERROR_CODES above and
// errors.x.title / .hint to en.json and ko.json.
const _everyCodeListed: Record<Exclude<ErrorCode, (typeof ERROR_CODES)[number]>, never> = {};
void _everyCodeListed;

/** The message keys for an error code (a payload's, or a teardown failure's); an unknown code
 * (a newer Rust) reads as `internal`. */
export function errorKeys(errorCode: string): { title: string; hint: string } {
  const code = (ERROR_CODES as readonly string[]).includes(errorCode) ? errorCode : "internal";
  return { title: `errors.${code}.title`, hint: `errors.${code}.hint` };
}
