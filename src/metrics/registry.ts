/**
 * A minimal metrics registry that renders the Prometheus text exposition format (version 0.0.4):
 * counters and gauges with labels, either updated by the code (`inc`, `set`) or read when scraped
 * (`collect`). No dependencies; enough for a node's own /metrics.
 */

export type Labels = Record<string, string>
export type MetricType = 'counter' | 'gauge'
export interface Sample { labels?: Labels, value: number }

/** The content type Prometheus expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
/** Most label combinations one metric keeps; more are folded into one `other` series. */
export const MAX_SERIES_PER_METRIC = 200

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export class Metric {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  private readonly values = new Map<string, Sample>()
  private readonly collect?: () => number | Sample[]

  constructor (name: string, help: string, type: MetricType, collect?: () => number | Sample[]) {
    if (!NAME.test(name)) throw new Error(`bad metric name ${name}`)
    this.name = name
    this.help = help
    this.type = type
    this.collect = collect
  }

  /** Adds `by` (default 1) to the series with these labels. */
  inc (labels?: Labels, by = 1): void {
    const series = this.series(labels)
    series.value += by
  }

  set (value: number, labels?: Labels): void {
    this.series(labels).value = value
  }

  get (labels?: Labels): number {
    return this.values.get(key(labels))?.value ?? 0
  }

  samples (): Sample[] {
    if (this.collect !== undefined) {
      const collected = this.collect()
      return typeof collected === 'number' ? [{ value: collected }] : collected
    }
    return [...this.values.values()]
  }

  private series (labels?: Labels): Sample {
    let k = key(labels)
    let series = this.values.get(k)
    if (series === undefined) {
      if (this.values.size >= MAX_SERIES_PER_METRIC) {
        labels = Object.fromEntries(Object.keys(labels ?? {}).map(name => [name, 'other']))
        k = key(labels)
        series = this.values.get(k)
      }
      if (series === undefined) {
        for (const name of Object.keys(labels ?? {})) if (!LABEL.test(name)) throw new Error(`bad label name ${name}`)
        series = { labels, value: 0 }
        this.values.set(k, series)
      }
    }
    return series
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>()

  counter (name: string, help: string, collect?: () => number | Sample[]): Metric {
    return this.add(new Metric(name, help, 'counter', collect))
  }

  gauge (name: string, help: string, collect?: () => number | Sample[]): Metric {
    return this.add(new Metric(name, help, 'gauge', collect))
  }

  /** Every metric in the text exposition format. A collector that throws leaves its metric out. */
  render (): string {
    let out = ''
    for (const metric of this.metrics.values()) {
      let samples: Sample[]
      try {
        samples = metric.samples()
      } catch {
        continue
      }
      out += `# HELP ${metric.name} ${escapeHelp(metric.help)}\n# TYPE ${metric.name} ${metric.type}\n`
      for (const sample of samples) out += `${metric.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`
    }
    return out
  }

  private add (metric: Metric): Metric {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`)
    this.metrics.set(metric.name, metric)
    return metric
  }
}

function key (labels?: Labels): string {
  if (labels === undefined) return ''
  return Object.keys(labels).sort().map(k => `${k}=${labels[k] ?? ''}`).join('\u0000')
}

function formatLabels (labels?: Labels): string {
  if (labels === undefined || Object.keys(labels).length === 0) return ''
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
}

function formatValue (value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

function escapeLabel (value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function escapeHelp (text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}
