// The labs the ledger knows and whether each was torn down (and when): Progress, Watch and
// Source follow a removed lab instead of showing it as running. Refreshed when a screen opens
// and after a teardown.
import type { LabSummary } from "./bindings";
import { applyRun } from "./apply.svelte";
import { labSummaries } from "./ipc";

class Labs {
  summaries = $state<LabSummary[]>([]);
  /** Whether the ledger was read (or could not be): until then no screen knows. */
  checked = $state(false);

  async refresh(): Promise<void> {
    try {
      this.summaries = await labSummaries();
    } catch {
      // No ledger to read (a first start on a read-only disk): no lab was removed.
    } finally {
      this.checked = true;
    }
  }

  /** When `lab` was torn down (epoch ms), or null while it may exist or is being created. */
  removedAt(lab: string | null | undefined): number | null {
    if (!lab || (applyRun.running && applyRun.lab === lab)) return null;
    const s = this.summaries.find((l) => l.name === lab);
    return s && s.liveResources === 0 ? s.removedAtMs : null;
  }

  reset(): void {
    this.summaries = [];
    this.checked = false;
  }
}

export const labs = new Labs();
