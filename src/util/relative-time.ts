/** "in 3d", "5m ago": a time relative to now in its largest whole unit, for people (CLI, status page). */
const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

export function relative(iso: string | Date | undefined, now: Date): string {
  if (!iso) return '-';
  const t = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  const d = t - now.getTime();
  const abs = Math.abs(d);
  const [size, unit] = UNITS.find(([s]) => abs >= s) ?? [1000, 's'];
  const n = Math.floor(abs / size);
  return d >= 0 ? `in ${n}${unit}` : `${n}${unit} ago`;
}
