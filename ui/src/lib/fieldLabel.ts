// The label a field has on its step's form, for a FieldError's path: Review lists problems by
// what the student sees, not by the spec's internal path.
import en from "./i18n/en.json";

/** Fields whose form label sits under another key (one control sets both). */
const SHARED: Record<string, string> = {
  "deploy.cpu": "deploy.size",
  "deploy.memory": "deploy.size",
};

function hasLabel(key: string): boolean {
  let node: unknown = (en as Record<string, unknown>).form;
  for (const part of [...key.split("."), "label"]) {
    if (typeof node !== "object" || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string";
}

/**
 * The i18n key of the label for `field` (`form.<key>.label`) and, for a list's item, its
 * 1-based number: `build.environment_variables[0].name` → `build.environment_variables`, 1.
 * A nested path falls back to its nearest labelled parent (`pipeline.service_role.name` →
 * the service role's label).
 */
export function fieldLabel(field: string): { key: string; item: number | null } {
  const index = /\[(\d+)\]/.exec(field);
  const item = index ? Number(index[1]) + 1 : null;
  let key = field.replace(/\[\d+\]/g, "");
  key = SHARED[key] ?? key;
  while (!hasLabel(key) && key.includes(".")) key = key.slice(0, key.lastIndexOf("."));
  return { key: `form.${key}.label`, item };
}
