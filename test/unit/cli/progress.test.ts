import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressLines } from '../../../src/cli/progress.js';

/** A terminal that applies the two escape sequences ProgressLines uses. */
function screen() {
  const lines: string[] = [];
  let row = 0;
  return {
    rows: 40,
    lines,
    write(s: string) {
      for (const part of s.split(/(\x1b\[\d+F|\x1b\[2K|\n)/).filter(Boolean)) {
        const up = /^\x1b\[(\d+)F$/.exec(part);
        if (up) row -= Number(up[1]);
        else if (part === '\x1b[2K') lines[row] = '';
        else if (part === '\n') row++;
        else lines[row] = (lines[row] ?? '') + part;
      }
    },
  };
}

describe('terminal progress', () => {
  it('keeps one line per certificate, rewritten in place as it moves through the steps', () => {
    const t = screen();
    const p = new ProgressLines(t, ['web', 'api']);
    p.step('web', 'decide', 'issue');
    p.step('api', 'decide', 'verify');
    p.step('web', 'issue');
    p.step('api', 'verify');
    assert.deepEqual(t.lines, ['...     web: ordering and validating', '...     api: verifying endpoints']);
    p.set('api', 'ok      api: all 1 address(es) serve AB');
    p.step('web', 'deploy');
    assert.deepEqual(t.lines, ['...     web: checking and deploying', 'ok      api: all 1 address(es) serve AB']);
  });

  it('is not used when the block would not fit the terminal', () => {
    assert.equal(ProgressLines.fits({ write: () => true, rows: 10 }, 30), false);
    assert.equal(ProgressLines.fits({ write: () => true, rows: 40 }, 30), true);
  });
});
