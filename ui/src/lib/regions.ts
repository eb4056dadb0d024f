// How a region reads on screen. The regions themselves come from Rust (`REGIONS` in
// bindings.ts, generated from crates/core/src/regions.rs).
import { REGIONS } from "./bindings";
import type { Language } from "./i18n";

/** "Asia Pacific (Seoul) · ap-northeast-2", or the bare code for a region not in the list. */
export function regionLabel(code: string, language: Language): string {
  const region = REGIONS.find((r) => r.code === code);
  return region ? `${region[language]} · ${code}` : code;
}
