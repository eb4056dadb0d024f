// Which credentials the student chose on the Connect screen and who they turned out to be.
// Kept outside the screen so it survives moving between steps.
import type { CredentialSource, Identity } from "./bindings";

export type SourceKind = CredentialSource["kind"];

class Connection {
  kind = $state<SourceKind>("practice");
  profile = $state<string>("");
  keys = $state<string>("");
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

  reset(): void {
    this.kind = "practice";
    this.profile = "";
    this.keys = "";
    this.identity = null;
    this.checkedKind = null;
  }
}

export const connection = new Connection();
