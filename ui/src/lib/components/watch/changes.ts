// The watch's change model, as in Rust's `watch::change` (crates/core/src/watch/change.rs):
// a consumer gets one full snapshot, then lists of JSON Patch operations to apply in order.
// Only two operations exist: `replace` the value at a JSON Pointer (`""` is the whole
// document) and `add` with a path ending in `/-` to append one element to an array.
// `applyChanges` ports Rust's `apply_changes` exactly (same errors for missing paths).
import type { Change } from "../../bindings";

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unescape(token: string): string {
  return token.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** JSON Pointer lookup (RFC 6901), as serde_json's `pointer_mut`. */
function pointer(doc: Json, path: string): Json | undefined {
  if (path === "") return doc;
  if (!path.startsWith("/")) return undefined;
  let target: Json = doc;
  for (const raw of path.slice(1).split("/")) {
    const token = unescape(raw);
    if (Array.isArray(target)) {
      // serde_json accepts only plain decimal indexes (no sign, no leading zero).
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      const i = Number(token);
      if (i >= target.length) return undefined;
      target = target[i];
    } else if (isObject(target)) {
      if (!Object.prototype.hasOwnProperty.call(target, token)) return undefined;
      target = target[token];
    } else {
      return undefined;
    }
  }
  return target;
}

export class ChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChangeError";
  }
}

/**
 * Applies changes to a snapshot's JSON form, in place, in order; returns the document
 * (a new one when a change replaces the whole of it). Throws a `ChangeError` on a path that
 * does not exist: the consumer missed a message and needs a new snapshot.
 */
export function applyChanges<T>(doc: T, changes: readonly Change[]): T {
  let root: Json = doc;
  for (const c of changes) {
    const slash = c.path.lastIndexOf("/");
    if (slash < 0) {
      if (c.path === "") {
        root = c.value;
        continue;
      }
      throw new ChangeError(`bad path ${JSON.stringify(c.path)}`);
    }
    const parent = c.path.slice(0, slash);
    const last = unescape(c.path.slice(slash + 1));
    const target = pointer(root, parent);
    if (target === undefined) {
      throw new ChangeError(`no ${JSON.stringify(parent)} in the snapshot`);
    }
    if (c.op === "add" && Array.isArray(target) && last === "-") {
      target.push(c.value);
    } else if (c.op === "replace" && isObject(target) && Object.hasOwn(target, last)) {
      target[last] = c.value;
    } else if (c.op === "replace" && Array.isArray(target)) {
      const i = /^[0-9]+$/.test(last) ? Number(last) : NaN;
      if (!(i < target.length)) {
        throw new ChangeError(`no ${JSON.stringify(c.path)} in the snapshot`);
      }
      target[i] = c.value;
    } else {
      throw new ChangeError(`cannot ${c.op} at ${JSON.stringify(c.path)}`);
    }
  }
  return root as T;
}
