/**
 * The last near-expiry drill of each certificate, kept beside the records as a small named value
 * ("drill/<certificate>", see the StateStore contract: getValue/setValue), so every store
 * (SQLite, Azure Blob) keeps it without a schema change and a drill never has to write the
 * certificate's versioned record (the drill must leave production state alone).
 *
 * Written by every drill, from the daemon's schedule or `certloop drill` by hand; read by
 * `status`, the status page and the metrics.
 */
import type { StateStore } from './store.js';

export interface DrillResult {
  /** When the drill ran (real time). */
  at: string;
  passed: boolean;
  /** The first step that failed, and its reason (null when passed). */
  failedStep: string | null;
  reason: string | null;
  /** Every failing step, in order. */
  failedSteps: string[];
  /** The simulated time the pipeline ran at. */
  simulatedAt: string;
  /** `daemon` (drill.schedule) or `manual` (`certloop drill`). */
  trigger: 'daemon' | 'manual';
  /** Since when drills have been failing without a pass in between (null when passed). */
  failingSince: string | null;
}

export function drillKey(certificate: string): string {
  return `drill/${certificate}`;
}

export async function readLastDrill(store: Pick<StateStore, 'getValue'>, certificate: string): Promise<DrillResult | undefined> {
  const raw = await store.getValue(drillKey(certificate));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as DrillResult;
  } catch {
    // A value some other version wrote in another shape is not worth failing status for.
    return undefined;
  }
}

export async function writeLastDrill(store: Pick<StateStore, 'setValue'>, certificate: string, result: DrillResult): Promise<void> {
  await store.setValue(drillKey(certificate), JSON.stringify(result));
}
