/**
 * Where probes run. A TLS handshake is CPU work (key exchange, signature checks) done on the
 * thread that owns the socket, so one event loop sweeps at the speed of one core. Once a process
 * has probed more than a handful of addresses, the rest go to worker threads (one per further
 * core), each running the very same probe() (probe-worker.ts); the served certificates come back
 * as DER and are judged here. A one-certificate run never starts a worker.
 *
 * CERTLOOP_PROBE_THREADS sets the number of workers (0: probe on the main thread only).
 */
import { X509Certificate } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { probe, servedResult, type ProbeResult, type ProbeTarget } from './probe.js';

/** Probes a process runs on its own thread before it starts workers: a worker costs ~30 ms to start. */
const IN_THREAD_FIRST = 64;

/** A probe's result as it crosses threads: the served certificates as DER. */
export interface WireResult {
  base: Pick<ProbeResult, 'address' | 'port' | 'sni' | 'stage' | 'ms' | 'ok' | 'error'>;
  der?: Uint8Array[];
}

export function toWire(r: ProbeResult): WireResult {
  const { address, port, sni, stage, ms, ok, error } = r;
  return { base: { address, port, sni, stage, ms, ok, error }, der: r.certs?.map((c) => c.raw) };
}

export function fromWire(w: WireResult): ProbeResult {
  if (!w.der) return { ...w.base };
  return Object.defineProperties({ ...w.base }, Object.getOwnPropertyDescriptors(servedResult(w.der.map((d) => new X509Certificate(d))))) as ProbeResult;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { target: ProbeTarget; resolve: (r: ProbeResult) => void }>;
}

let started = 0;
let workers: PoolWorker[] | undefined;
let nextId = 0;
let inWorkers = 0;

/** How many probes this process ran, and how many of them on workers (for tests and benchmarks). */
export function probeStats(): { probes: number; inWorkers: number; workers: number } {
  return { probes: started, inWorkers, workers: workers?.length ?? 0 };
}

export function workerCount(): number {
  const configured = process.env.CERTLOOP_PROBE_THREADS;
  if (configured !== undefined && configured !== '') return Math.max(0, Math.min(16, Math.floor(Number(configured)) || 0));
  // One per core: the handshakes are the work; this thread only judges what they bring back.
  const cores = os.availableParallelism();
  return cores > 1 ? Math.min(4, cores) : 0;
}

/** Probes `t` on this thread or a worker; never throws (probe()'s contract). */
export function probeAnywhere(t: ProbeTarget): Promise<ProbeResult> {
  started++;
  if (started <= IN_THREAD_FIRST || workerCount() === 0) return probe(t);
  const pool = (workers ??= startWorkers(workerCount()));
  if (pool.length === 0) return probe(t);
  const w = pool.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  return new Promise((resolve) => {
    const id = nextId++;
    if (w.pending.size === 0) w.worker.ref();
    w.pending.set(id, { target: t, resolve });
    w.worker.postMessage({ id, target: t });
  });
}

function startWorkers(n: number): PoolWorker[] {
  const pool: PoolWorker[] = [];
  for (let i = 0; i < n; i++) {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./probe-worker.js', import.meta.url));
    } catch {
      break;
    }
    const pw: PoolWorker = { worker, pending: new Map() };
    // Idle workers must not keep a finished run alive; busy ones must (ref'd per probe above).
    worker.unref();
    worker.on('message', (m: { id: number; result: WireResult }) => {
      const p = pw.pending.get(m.id);
      if (!p) return;
      pw.pending.delete(m.id);
      if (pw.pending.size === 0) worker.unref();
      inWorkers++;
      p.resolve(fromWire(m.result));
    });
    // A worker that dies leaves the pool; what it had in hand is probed here instead.
    const fail = () => {
      const i = pool.indexOf(pw);
      if (i >= 0) pool.splice(i, 1);
      const orphans = [...pw.pending.values()];
      pw.pending.clear();
      for (const o of orphans) void probe(o.target).then(o.resolve);
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    pool.push(pw);
  }
  return pool;
}
