// DEVELOPMENT AND TESTS ONLY: answers a command from fixtures.json, which a Rust test writes
// (crates/core/src/fixtures.rs): for each command whose answer core derives (default specs,
// checks, plans, buildspecs, Fargate sizes), the answers to the arguments the UI's tests send.
// A call is matched by its arguments alone. In tests an argument set that was not recorded is
// an error that says where to record it; in `npm run dev` the closest recorded one answers.
import fixtures from "./fixtures.json";

type Case = { args: Record<string, unknown>; answer: unknown };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The practice account the fixtures' plans name their bucket with. */
export const PRACTICE_ACCOUNT: string = fixtures.practiceAccount;

/** JSON with object keys sorted, so equal values read the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Every leaf of a JSON value by its path, to count how far two values are apart. */
function leaves(value: Json, path = "", out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) leaves(v as Json, `${path}/${key}`, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

function distance(a: unknown, b: unknown): number {
  const [x, y] = [leaves(a as Json), leaves(b as Json)];
  let d = 0;
  for (const [path, v] of x) if (y.get(path) !== v) d++;
  for (const path of y.keys()) if (!x.has(path)) d++;
  return d;
}

/** The recorded answer to `command(args)`, a fresh copy. */
export function recorded(command: string, args: Record<string, unknown>): unknown {
  const cases = (fixtures as unknown as Record<string, Case[] | undefined>)[command] ?? [];
  const key = canonical(args);
  let hit = cases.find((c) => canonical(c.args) === key);
  if (!hit) {
    if (import.meta.env.MODE === "test" || cases.length === 0) {
      throw {
        code: "internal",
        message: `the fake backend has no recorded answer to ${command}(${key}): add the case to crates/core/src/fixtures.rs`,
        hint: null,
        field: null,
      };
    }
    hit = cases.reduce((best, c) =>
      distance(c.args, args) < distance(best.args, args) ? c : best,
    );
  }
  return JSON.parse(JSON.stringify(hit.answer));
}
