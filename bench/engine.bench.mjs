// SLO engine memory and speed: OPERATIONS x CONSUMERS, each consumer calling PER_CONSUMER of the operations
// (all by default), one event per active pair per hour over 28 days.
// Usage: node --expose-gc bench/engine.bench.mjs [operations=100] [consumers=50] [operations per consumer=all]. Not a test: no thresholds.
import { SloEngine } from '../dist/engine/index.js';
import { parseDuration } from '../dist/slo/index.js';
const OPS = Number(process.argv[2] ?? 100), CONSUMERS = Number(process.argv[3] ?? 50), PER_CONSUMER = Math.min(OPS, Number(process.argv[4] ?? OPS)), DAYS = 28;
const SERIES = CONSUMERS * PER_CONSUMER;
const promise = { window: { kind: 'rolling', duration: parseDuration('28d') }, availability: { target: 99.9, bad: { status: ['5xx'] }, exclude: { status: [], clientAbort: true } },
  latency: [{ name: 'fast', kind: 'threshold', threshold: parseDuration('300ms'), target: 99 }, { name: 'p99', kind: 'percentile', percentile: 99, max: parseDuration('800ms') }],
  maintenance: [], alerting: { burnRates: [{ severity: 'page', long: parseDuration('1h'), short: parseDuration('5m'), factor: 14.4 }], minEventsPerHour: 0 }, budgetPolicy: {}, origins: {} };
const slo = { consumers: { identify: [], maxTracked: 500, tiers: [] }, problems: [], operations: Array.from({ length: OPS }, (_v, i) => ({ id: `op${i}`, method: 'GET', path: `/op${i}`, pointer: '', enabled: true, promise, tiers: {} })) };
let now = Date.parse('2026-03-01T00:00:00Z');
const engine = new SloEngine(slo, { now: () => now });
global.gc?.(); const mem = () => { const m = process.memoryUsage(); return m.heapUsed + m.external + m.arrayBuffers; }; const before = mem(); const rssBefore = process.memoryUsage().rss;
const t = performance.now(); let n = 0; let snapshotMs = 0; let snapshotRows = 0;
for (let h = 0; h < DAYS * 24; h++) {
  for (let c = 0; c < CONSUMERS; c++) for (let k = 0; k < PER_CONSUMER; k++) { const o = (c * 7 + k) % OPS; engine.record({ at: now + (o * 37 + c) % 3_600_000, operationId: `op${o}`, consumer: `c${c}`, tier: 'x', status: 200, durationMs: 20 + (o + c + h) % 300, outcome: 'response' }); n++; }
  now += 3_600_000;
  const ts = performance.now();
  const snapshot = engine.takeSnapshot(); // what the store's flush takes
  snapshotMs += performance.now() - ts;
  snapshotRows += snapshot.counts.length + snapshot.latency.length;
  if (h % 24 === 0) engine.prune();
}
global.gc?.(); const after = mem(); const rssAfter = process.memoryUsage().rss;
console.log(`sworn engine benchmark · node ${process.version}`);
console.log(`${OPS} ops x ${CONSUMERS} consumers (${PER_CONSUMER} ops each: ${SERIES} series) x ${DAYS} d, 1 event/series/hour: ${n} events in ${((performance.now() - t) / 1000).toFixed(1)} s (${((performance.now() - t) * 1000 / n).toFixed(1)} us/event with snapshots), memory (heap + WebAssembly + buffers) +${((after - before) / 1e6).toFixed(0)} MB = ${((after - before) / (SERIES * DAYS * 24)).toFixed(0)} B per series-hour, ${((after - before) / SERIES / 1e3).toFixed(1)} KB per series; RSS +${((rssAfter - rssBefore) / 1e6).toFixed(0)} MB`);
console.log(`snapshots for the store (one per simulated hour): ${(snapshotMs / (DAYS * 24)).toFixed(1)} ms and ${(snapshotRows / (DAYS * 24)).toFixed(0)} rows each on average (included in the time above)`);
engine.figures('op1'); // warm
const tf = performance.now(); engine.figures('op1'); console.log(`figures(op1) over 28d, all consumers: ${(performance.now() - tf).toFixed(0)} ms`);
const tc = performance.now(); engine.figures('op1', { consumer: 'c1' }); console.log(`figures(op1, consumer c1) over 28d: ${(performance.now() - tc).toFixed(0)} ms`);
