/** Whether a process is running, for tests that check what a command left behind. */
import fs from 'node:fs';

/**
 * True while `pid` runs. A killed process whose parent is gone stays a zombie until something
 * reaps it, which pid 1 of a container may never do: a zombie counts as not running.
 */
export function processAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": the state follows the last ")" (comm may hold spaces and parentheses).
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
