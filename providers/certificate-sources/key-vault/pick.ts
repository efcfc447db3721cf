/**
 * Which version of a Key Vault certificate should be served now, from the versions' properties
 * alone (pure: the clock is an argument). The newest version by creation time that is enabled
 * and already valid: a disabled version is one someone took back, and a version whose notBefore
 * lies ahead cannot be served yet. Both are reported as skipped, so `status` can say why the
 * newest version is not the one expected.
 */
export interface VersionProperties {
  version: string;
  enabled: boolean;
  createdOn?: Date;
  updatedOn?: Date;
  notBefore?: Date;
}

export interface Picked<V extends VersionProperties> {
  chosen: V | undefined;
  /** Newer than the chosen one, passed over. */
  skipped: { version: string; reason: string; notBefore?: Date }[];
  /**
   * Since when the chosen one is the version to serve: its creation, or the moment a newer version
   * was disabled after it (its update time), whichever is later.
   */
  currentSince?: Date;
}

export function pickVersion<V extends VersionProperties>(versions: V[], now: Date): Picked<V> {
  const newestFirst = [...versions].sort((a, b) => time(b.createdOn) - time(a.createdOn) || b.version.localeCompare(a.version));
  const skipped: Picked<V>['skipped'] = [];
  let disabledAt = -Infinity;
  for (const v of newestFirst) {
    if (!v.enabled) {
      skipped.push({ version: v.version, reason: `disabled${v.updatedOn ? ` (since ${v.updatedOn.toISOString()})` : ''}` });
      disabledAt = Math.max(disabledAt, time(v.updatedOn));
      continue;
    }
    if (v.notBefore && v.notBefore.getTime() > now.getTime()) {
      skipped.push({ version: v.version, reason: `not valid before ${v.notBefore.toISOString()}`, notBefore: v.notBefore });
      continue;
    }
    const since = Math.max(time(v.createdOn), disabledAt);
    return { chosen: v, skipped, currentSince: new Date(Number.isFinite(since) ? since : now.getTime()) };
  }
  return { chosen: undefined, skipped };
}

function time(d: Date | undefined): number {
  return d ? d.getTime() : -Infinity;
}
