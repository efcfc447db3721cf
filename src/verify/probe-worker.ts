/** A probe thread (probe-pool.ts): runs probe() for each target it is sent and returns the result as DER. */
import { parentPort } from 'node:worker_threads';
import { probe, type ProbeTarget } from './probe.js';
import { toWire } from './probe-pool.js';

parentPort!.on('message', (m: { id: number; target: ProbeTarget }) => {
  void probe(m.target).then((r) => parentPort!.postMessage({ id: m.id, result: toWire(r) }));
});
