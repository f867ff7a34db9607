import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the proxy (`GET /metrics` on the admin port). */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'status_class' | 'consumer'>;
  readonly violations: Counter<'operation' | 'consumer' | 'direction' | 'code'>;
  readonly duration: Histogram<'operation' | 'status_class' | 'consumer'>;

  /** prom-client children by operation, status class and consumer: no label hashing per request. */
  private readonly children = new Map<string, Map<string, Map<string, { requests: { inc(): void }; duration: { observe(v: number): void } }>>>();

  /** Counts one exchange and its duration (seconds). */
  observe(operation: string, statusClass: string, consumer: string, seconds: number): void {
    let byClass = this.children.get(operation);
    if (!byClass) this.children.set(operation, (byClass = new Map()));
    let byConsumer = byClass.get(statusClass);
    if (!byConsumer) byClass.set(statusClass, (byConsumer = new Map()));
    let child = byConsumer.get(consumer);
    if (!child) {
      const labels = { operation, status_class: statusClass, consumer };
      byConsumer.set(consumer, (child = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) }));
    }
    child.requests.inc();
    child.duration.observe(seconds);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sworn_process_' });
    this.requests = new Counter({ name: 'sworn_requests_total', help: 'Requests through the proxy, by operation, status class and consumer.', labelNames: ['operation', 'status_class', 'consumer'], registers: [this.registry] });
    this.violations = new Counter({ name: 'sworn_violations_total', help: 'Contract violations, by operation, consumer, direction (request = consumer breach, response = provider breach) and code.', labelNames: ['operation', 'consumer', 'direction', 'code'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'sworn_request_duration_seconds',
      help: 'From the first request byte received to the last response byte sent.',
      labelNames: ['operation', 'status_class', 'consumer'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
  }
}
