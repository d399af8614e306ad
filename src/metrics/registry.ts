/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
 * Written here rather than pulling prom-client: the gateway needs a dozen series, no default
 * process collectors, and rendering must stay cheap on a scrape.
 */

export type Labels = Readonly<Record<string, string>>;

/** Label values may hold any text; the format escapes backslash, double quote and newline. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A number as the format spells it: `+Inf`, `-Inf`, `NaN` or the shortest decimal. */
export function formatValue(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Above this many label combinations a metric folds new ones into `other` (a cardinality guard). */
const MAX_SERIES = 2000;

abstract class Metric<S> {
  private readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
    for (const l of labelNames)
      if (!LABEL.test(l) || l === 'le') throw new Error(`invalid label name "${l}"`);
  }

  protected abstract fresh(): S;

  protected state(labels: Labels): S {
    let values = this.labelNames.map((n) => labels[n] ?? '');
    let key = values.join('\u0000');
    let entry = this.series.get(key);
    if (!entry && this.series.size >= MAX_SERIES) {
      values = this.labelNames.map(() => 'other');
      key = values.join('\u0000');
      entry = this.series.get(key);
    }
    if (!entry) {
      entry = { values, state: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  protected entries(): Iterable<{ values: string[]; state: S }> {
    return this.series.values();
  }

  abstract render(): string;

  protected header(type: string): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${type}\n`;
  }
}

export class Counter extends Metric<{ value: number }> {
  protected fresh() {
    return { value: 0 };
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} can only go up`);
    this.state(labels).value += by;
  }
  get(labels: Labels = {}): number {
    return this.state(labels).value;
  }
  render(): string {
    let out = this.header('counter');
    for (const { values, state } of this.entries()) {
      out += `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.value)}\n`;
    }
    return out;
  }
}

/** A value read when scraped, so it is never stale: kept by its owner, not copied here. */
abstract class CallbackMetric extends Metric<never> {
  constructor(
    name: string,
    help: string,
    private readonly type: 'gauge' | 'counter',
    private readonly read: () => number | undefined,
  ) {
    super(name, help, []);
  }
  protected fresh(): never {
    throw new Error(`a callback ${this.type} has no series`);
  }
  render(): string {
    const value = this.read();
    if (value === undefined) return '';
    return `${this.header(this.type)}${this.name} ${formatValue(value)}\n`;
  }
}

/** A gauge read when scraped (queue depth, open connections). */
export class CallbackGauge extends CallbackMetric {
  constructor(name: string, help: string, read: () => number | undefined) {
    super(name, help, 'gauge', read);
  }
}

/**
 * A counter kept elsewhere (the audit recorder's totals), read when scraped: a running total
 * the owner only ever increases, exposed without a second copy to keep in step.
 */
export class CallbackCounter extends CallbackMetric {
  constructor(name: string, help: string, read: () => number | undefined) {
    super(name, help, 'counter', read);
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramState> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    for (let i = 1; i < buckets.length; i++) {
      if (!((buckets[i] ?? 0) > (buckets[i - 1] ?? 0)))
        throw new Error(`histogram ${name}: buckets must increase`);
    }
  }
  protected fresh(): HistogramState {
    return { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
  }
  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const s = this.state(labels);
    // Counts are stored per bucket and made cumulative when rendered.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }
  render(): string {
    let out = this.header('histogram');
    for (const { values, state } of this.entries()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += state.counts[i] ?? 0;
        out += `${this.name}_bucket${labelText(this.labelNames, values, ['le', formatValue(bound)])} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, values, ['le', '+Inf'])} ${state.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(state.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, values)} ${state.count}\n`;
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: { render(): string; name: string }[] = [];

  register<M extends { render(): string; name: string }>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name))
      throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}
