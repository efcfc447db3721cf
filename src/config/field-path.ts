/** A field path as messages and `secretPaths` write it: certificates[0].targets[1].key */
export function formatPath(keys: (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
