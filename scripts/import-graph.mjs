// `npm run deps:graph`: certloop's import graph measured with dependency-cruiser and the layers of
// .dependency-cruiser.cjs: folders and levels, imports that run up against the layers, circles.
// `npm run lint:deps` (and `npm test`) adds --check: exit 1 on any rule violation, or on a
// temporary known exception that no longer matches an import (delete it from the config).
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const CONFIG = './.dependency-cruiser.cjs';
const ROOTS = ['src', 'providers'];
const check = process.argv.includes('--check');

process.chdir(path.join(path.dirname(new URL(import.meta.url).pathname), '..'));
const { LAYERS, KNOWN_EXCEPTIONS } = createRequire(import.meta.url)(path.resolve(CONFIG)).certloop;
const options = await extractDepcruiseOptions(CONFIG);
const { output } = await cruise(ROOTS, options, {}, { tsConfig: extractTSConfig(options.tsConfig.fileName) });
const { modules, summary } = output;

const own = modules.filter((m) => /^(src|providers)\//.test(m.source));
const imports = own.flatMap((m) => m.dependencies.filter((d) => /^(src|providers)\//.test(d.resolved)).map((d) => ({ from: m.source, to: d.resolved, ...d })));
const lines = [];
const say = (s = '') => lines.push(s);

// Every module in exactly one layer: the regular expressions are meant to be disjoint.
const layersOf = (file) => LAYERS.filter((l) => l.paths.some((p) => new RegExp(p).test(file))).map((l) => l.name);
const misplaced = own.map((m) => [m.source, layersOf(m.source)]).filter(([, ls]) => ls.length !== 1);

// Levels: the longest chain of layers each importing the next, layers that import each other (an
// upward import closes a circle of layers) counted as one. All layers when every import runs down.
const folders = new Set(own.map((m) => path.posix.dirname(m.source)));
const layerOf = (file) => layersOf(file)[0] ?? '(none)';
const layerEdges = new Map([...LAYERS.map((l) => l.name), '(none)'].map((n) => [n, new Set()]));
for (const i of imports) if (layerOf(i.from) !== layerOf(i.to)) layerEdges.get(layerOf(i.from)).add(layerOf(i.to));
const levels = longestChain([...layerEdges.keys()].filter((n) => n !== '(none)' || misplaced.length), layerEdges);

// Circles: groups of modules that reach each other through their imports (every import counts).
const moduleEdges = new Map(own.map((m) => [m.source, new Set()]));
for (const i of imports) moduleEdges.get(i.from).add(i.to);
const circles = stronglyConnected([...moduleEdges.keys()], moduleEdges).filter((c) => c.length > 1 || moduleEdges.get(c[0]).has(c[0]));

const violations = summary.violations;
const knownOf = (v) =>
  KNOWN_EXCEPTIONS.find((e) => (e.circle ? v.rule.name === 'no-circular' && sameMembers(e.circle, v.cycle.map((c) => c.name).concat(v.from)) : e.from === v.from && e.to === v.to));
const upward = violations.filter((v) => v.rule.name.startsWith('upward-to-'));
const others = violations.filter((v) => !v.rule.name.startsWith('upward-to-') && v.rule.name !== 'no-circular');
const stale = KNOWN_EXCEPTIONS.filter((e) => !violations.some((v) => knownOf(v) === e && v.rule.severity === 'ignore'));

say(`certloop imports (${ROOTS.map((r) => `${r}/`).join(' and ')}; dependency-cruiser with ${CONFIG}; every import counts, import type too)`);
say(`  ${own.length} modules, ${imports.length} imports between them (${imports.filter((i) => i.dependencyTypes.includes('type-only')).length} type-only, ${imports.filter((i) => i.dynamic).length} lazy)`);
say(`  ${folders.size} folders in ${LAYERS.length} layers, bottom to top: ${LAYERS.map((l) => l.name).join(' < ')}`);
say(`  ${levels} levels: the longest chain of layers each importing the next (layers an upward import ties together count once)`);
say();
say(`upward imports (against the layers): ${upward.length}`);
for (const v of upward) say(`  ${v.from} -> ${v.to}  (${v.rule.name.replace('upward-to-', '')} is above ${layersOf(v.from).join()})${note(v)}`);
say();
say(`circles: ${circles.length}`);
for (const c of circles) {
  const loop = shortestLoop(c, moduleEdges);
  const more = c.length - (loop.length - 1);
  const known = KNOWN_EXCEPTIONS.some((e) => e.circle && sameMembers(e.circle, c)) ? note({ rule: { name: 'no-circular' }, from: c[0], cycle: c.map((name) => ({ name })) }) : '';
  say(`  ${loop.join(' -> ')}${more > 0 ? ` (and ${more} more module${more === 1 ? '' : 's'} in this circle)` : ''}${known}`);
}
if (others.length || misplaced.length) {
  say();
  say(`other rule violations: ${others.length + misplaced.length}`);
  for (const v of others) say(`  ${v.rule.name}: ${v.from}${v.to && v.to !== v.from ? ` -> ${v.to}` : ''}${note(v)}`);
  for (const [file, ls] of misplaced) say(`  layers: ${file} is in ${ls.length ? ls.join(' and ') : 'no layer'}; LAYERS in ${CONFIG} must place it in exactly one`);
}
if (stale.length) {
  say();
  say(`known exceptions that no longer match an import (delete them from KNOWN_EXCEPTIONS in ${CONFIG}): ${stale.length}`);
  for (const e of stale) say(`  ${e.branch}: ${e.circle ? `circle ${e.circle.join(' <-> ')}` : `${e.from} -> ${e.to}`}`);
}
console.log(lines.join('\n'));

if (check) {
  const failing = violations.filter((v) => v.rule.severity === 'error').length + misplaced.length + stale.length;
  const known = KNOWN_EXCEPTIONS.length - stale.length;
  console.log(
    failing
      ? `\nimport direction: ${failing} problem(s); see docs/architecture.md and ${CONFIG}`
      : `\nimport direction: ok${known ? ` (${known} known exception(s) that other branches of issue 17 remove, marked above)` : ''}`,
  );
  process.exitCode = failing ? 1 : 0;
}

function note(v) {
  const e = knownOf(v);
  return e ? `  [known exception: ${e.branch} removes it]` : '';
}

function sameMembers(a, b) {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** Tarjan's strongly connected components, each sorted; iterative (no recursion limit). */
function stronglyConnected(nodes, edges) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work = [[root, [...edges.get(root)], 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, succ] = frame;
      if (frame[2] < succ.length) {
        const w = succ[frame[2]++];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, [...(edges.get(w) ?? [])], 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const group = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          group.push(w);
        } while (w !== v);
        out.push(group.sort());
      }
    }
  }
  return out;
}

/** The shortest way round a circle of modules: its first module again at the end. */
function shortestLoop(group, edges) {
  const inside = new Set(group);
  let best;
  for (const start of group) {
    const before = new Map([[start, undefined]]);
    const queue = [start];
    let found;
    while (queue.length && !found) {
      const v = queue.shift();
      for (const w of edges.get(v)) {
        if (!inside.has(w)) continue;
        if (w === start) {
          found = v;
          break;
        }
        if (!before.has(w)) {
          before.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = found; v !== undefined && v !== start; v = before.get(v)) path.splice(1, 0, v);
    path.push(start);
    if (!best || path.length < best.length) best = path;
  }
  return best;
}

/** Nodes on the longest path of the graph with each strongly connected group made one node. */
function longestChain(nodes, edges) {
  const groups = stronglyConnected(nodes, edges);
  const groupOf = new Map(groups.flatMap((g, i) => g.map((n) => [n, i])));
  const memo = new Map();
  const depth = (g) => {
    if (memo.has(g)) return memo.get(g);
    let best = 0;
    for (const n of groups[g]) for (const m of edges.get(n)) if (groupOf.get(m) !== g) best = Math.max(best, depth(groupOf.get(m)));
    memo.set(g, best + 1);
    return best + 1;
  };
  return Math.max(...groups.map((_, g) => depth(g)));
}
