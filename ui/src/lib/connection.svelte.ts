// Which credentials the student chose on the Connect screen and who they turned out to be.
// Kept outside the screen so it survives moving between steps, and remembered across restarts
// (the kind and the profile or key-set *name* only: secrets stay in the keyring) so reopening
// the app returns to the lab with the same account.
import type { CredentialSource, Identity } from "./bindings";

export type SourceKind = CredentialSource["kind"];

export const CONNECTION_KEY = "pipewright.connection";

type Saved = { kind: SourceKind; profile: string; keys: string; speedup: number };

/** Practice mode's paces: AWS's own (1) or ten times faster (10, the default). */
export const SPEEDUPS = [1, 10] as const;
export const DEFAULT_SPEEDUP = 10;

function readSaved(): Saved | null {
  try {
    const raw = localStorage.getItem(CONNECTION_KEY);
    const saved = raw ? (JSON.parse(raw) as Partial<Saved>) : null;
    if (!saved || !["practice", "profile", "keyring"].includes(saved.kind ?? "")) return null;
    return {
      kind: saved.kind as SourceKind,
      profile: typeof saved.profile === "string" ? saved.profile : "",
      keys: typeof saved.keys === "string" ? saved.keys : "",
      speedup: SPEEDUPS.includes(saved.speedup as 1 | 10)
        ? (saved.speedup as number)
        : DEFAULT_SPEEDUP,
    };
  } catch {
    return null;
  }
}

const saved = readSaved();

class Connection {
  kind = $state<SourceKind>(saved?.kind ?? "practice");
  profile = $state<string>(saved?.profile ?? "");
  keys = $state<string>(saved?.keys ?? "");
  /** Practice mode's pace (see SPEEDUPS). */
  speedup = $state<number>(saved?.speedup ?? DEFAULT_SPEEDUP);
  identity = $state<Identity | null>(null);
  /** The source `identity` was checked with. */
  checkedKind = $state<SourceKind | null>(null);

  /** The chosen source, or null when a profile or key set still has to be picked. */
  get source(): CredentialSource | null {
    switch (this.kind) {
      case "practice":
        return { kind: "practice" };
      case "profile":
        return this.profile ? { kind: "profile", name: this.profile } : null;
      case "keyring":
        return this.keys ? { kind: "keyring", name: this.keys } : null;
    }
  }

  /** Remembers the choice (names only) for the next start. */
  save(): void {
    try {
      const value: Saved = {
        kind: this.kind,
        profile: this.profile,
        keys: this.keys,
        speedup: this.speedup,
      };
      localStorage.setItem(CONNECTION_KEY, JSON.stringify(value));
    } catch {
      // storage disabled: the choice lasts for this session
    }
  }

  reset(): void {
    this.kind = "practice";
    this.profile = "";
    this.keys = "";
    this.speedup = DEFAULT_SPEEDUP;
    this.identity = null;
    this.checkedKind = null;
  }
}

export const connection = new Connection();
