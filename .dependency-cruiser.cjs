/**
 * certloop's import direction (issue 17), written once. `npm run lint:deps` (and `npm test`, before
 * the tests) fails on an import that runs against it; `npm run deps:graph` prints the measured
 * levels, upward imports and circles. docs/architecture.md draws the same layers: change both.
 *
 * A module imports from its own layer and the layers listed before it, never from a later one.
 * Every import counts, `import type` too: a type is how a lower part learns a higher part's shape.
 * Folders map onto layers, except for a few files placed by what they are rather than by topic:
 * each part's settings schema belongs to the config contract (the types every part uses come
 * from the schema), the logger is available to everything, and the config loader sits above the
 * policies it attaches.
 */

/** Bottom to top. `paths` are regular expressions over paths from the repository root; disjoint. */
const LAYERS = [
  {
    name: 'base',
    what: 'typed errors, small helpers, the logger: nothing about certificates',
    paths: ['^src/errors\\.ts$', '^src/util/', '^src/observability/logger\\.ts$'],
  },
  {
    name: 'libraries',
    what: 'X.509 and chains (pki), DNS lookups and the dns-01 solver (dns), Azure credentials (azure)',
    paths: ['^src/(pki|dns|azure)/(?!schema\\.ts$)'],
  },
  {
    name: 'config',
    what: "the config contract: config/schema.ts assembled from every part's settings schema, and the field types they use",
    paths: [
      '^src/config/(?!(load|outline|mask)\\.ts$)',
      '^src/[^/]+/schema\\.ts$',
      '^src/state/config\\.ts$',
      '^src/acme/timeouts\\.ts$',
      '^providers/schemas\\.ts$',
      '^providers/[^/]+/[^/]+/schema\\.ts$',
    ],
  },
  {
    name: 'state',
    what: 'certificate records, the StateStore contract and its stores (SQLite, Azure Blob, memory)',
    paths: ['^src/state/(?!config\\.ts$)'],
  },
  {
    name: 'events',
    what: 'what happened to a certificate, one typed shape for history, notifiers, metrics and progress',
    paths: ['^src/observability/events\\.ts$'],
  },
  {
    name: 'plugins',
    what: 'the interfaces solvers, targets and notifiers implement (src/plugins.ts)',
    paths: ['^src/plugins\\.ts$'],
  },
  {
    name: 'verify',
    what: 'the TLS probe: resolve every address, connect, read the served chain, judge it',
    paths: ['^src/verify/(?!schema\\.ts$)'],
  },
  {
    name: 'policy',
    what: 'pure renewal decisions (the clock is an argument), ARI, policy files',
    paths: ['^src/policy/(?!schema\\.ts$)'],
  },
  {
    name: 'acme',
    what: 'the ACME client: account, order, challenges, finalize, download, CA selection',
    paths: ['^src/acme/(?!timeouts\\.ts$)'],
  },
  {
    name: 'notify',
    what: 'delivering events to notifiers: throttling, retries, message formats',
    paths: ['^src/notify/(?!schema\\.ts$)'],
  },
  {
    name: 'discover',
    what: 'discovery (issue 18 §2): sort what watch sources name into managed, watched and unlisted; try unlisted names for TLS; extend an inventory',
    paths: ['^src/discover/'],
  },
  {
    name: 'providers',
    what: 'the plug-ins (challenges, targets, notifiers) and providers/registry.ts, the one list of them',
    paths: ['^providers/(?!schemas\\.ts$)(?![^/]+/[^/]+/schema\\.ts$)'],
  },
  {
    name: 'watch',
    what: 'watched endpoints (issue 18): the sweep over endpoints certloop does not issue for, their records and conditions',
    paths: ['^src/watch/(?!schema\\.ts$)'],
  },
  {
    name: 'config-load',
    what: 'reading certloop.yaml: locate problems by file and line, attach the named policies',
    paths: ['^src/config/(load|outline|mask)\\.ts$'],
  },
  {
    name: 'views',
    what: 'what is recorded, shown: the status page and report (report/), Prometheus metrics (observability/)',
    paths: ['^src/report/', '^src/observability/(?!(logger|events|schema)\\.ts$)'],
  },
  {
    name: 'controller',
    what: 'the loop for one certificate and the run over all of them, drills, rollback',
    paths: ['^src/controller/'],
  },
  {
    name: 'daemon',
    what: 'the long-running process: schedule, HTTP routes (health, metrics, status page)',
    paths: ['^src/daemon/'],
  },
  {
    name: 'cli',
    what: 'the command table and one thin file per command (parse, call, print)',
    paths: ['^src/cli/'],
  },
];

/**
 * TEMPORARY (issue 17, split across branches): imports that other branches of issue 17 remove.
 * They are reported on every check but do not fail it. Delete each entry when its branch is
 * merged: the check fails on an entry that no longer matches an import, so none lingers.
 */
const KNOWN_EXCEPTIONS = [
];

const CODE = '^(src|providers)/';
const everyLayer = LAYERS.flatMap((l) => l.paths);
const layerRule = (l) => `upward-to-${l.name}`;

const upward = LAYERS.slice(1).map((layer, i) => ({
  name: layerRule(layer),
  severity: 'error',
  comment: `Only ${layer.name} and the layers above it import ${layer.name} (${layer.what}). Pass the value in, or move the shared part down.`,
  from: { path: LAYERS.slice(0, i + 1).flatMap((l) => l.paths) },
  to: { path: layer.paths },
}));

const layerOfPath = (file) => LAYERS.find((l) => l.paths.some((p) => new RegExp(p).test(file)));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles make the order of loading and of reading accidental: move what both sides need into a module of its own.',
      from: { path: CODE },
      to: { circular: true },
    },
    {
      name: 'unlayered',
      severity: 'error',
      comment: 'Every module of src/ and providers/ belongs to one layer: add its folder to LAYERS in .dependency-cruiser.cjs (and docs/architecture.md).',
      from: { path: CODE },
      to: { path: CODE, pathNot: everyLayer },
    },
    {
      name: 'unlayered-importer',
      severity: 'error',
      comment: 'Every module of src/ and providers/ belongs to one layer: add its folder to LAYERS in .dependency-cruiser.cjs (and docs/architecture.md).',
      from: { path: CODE, pathNot: everyLayer },
      to: {},
    },
    {
      name: 'providers-through-registry',
      severity: 'error',
      comment: "The core reaches a plug-in only through providers/registry.ts (and the config contract its schema): one explicit list of plug-ins.",
      from: { path: '^src/' },
      to: { path: '^providers/', pathNot: ['^providers/registry\\.ts$', ...LAYERS.find((l) => l.name === 'config').paths] },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports (and that imports nothing) is dead code or a forgotten entry point.',
      from: { orphan: true, path: CODE, pathNot: '\\.d\\.ts$' },
      to: {},
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Production code never imports test code.',
      from: { path: CODE },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'Production code imports only dependencies, never devDependencies: the container image drops them (npm prune --omit=dev).',
      from: { path: CODE },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports are imports too (see the header), and tsc erases them before depcruise looks.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    knownViolations: KNOWN_EXCEPTIONS.map((e) =>
      e.circle
        ? { type: 'cycle', from: e.circle[0], to: e.circle[1], cycle: e.circle.map((name) => ({ name, dependencyTypes: [] })), rule: { name: 'no-circular', severity: 'error' }, comment: e.branch }
        : { type: 'dependency', from: e.from, to: e.to, rule: { name: layerRule(layerOfPath(e.to)), severity: 'error' }, comment: e.branch },
    ),
  },
};

// For scripts/import-graph.mjs (not part of dependency-cruiser's configuration format).
Object.defineProperty(module.exports, 'certloop', { value: { LAYERS, KNOWN_EXCEPTIONS }, enumerable: false });
