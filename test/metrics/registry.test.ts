import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { MAX_SERIES_PER_METRIC, MetricsRegistry } from '../../src/metrics/registry.js'

test('renders counters and gauges in the Prometheus text format, labels escaped', () => {
  const r = new MetricsRegistry()
  const c = r.counter('shoal_things_total', 'Things.\nCounted.')
  c.inc({ kind: 'a"b\\c\nd' }, 2)
  c.inc({ kind: 'plain' })
  r.gauge('shoal_level', 'A level.', () => 3.5)
  const text = r.render()
  assert.equal(text, [
    '# HELP shoal_things_total Things.\\nCounted.',
    '# TYPE shoal_things_total counter',
    'shoal_things_total{kind="a\\"b\\\\c\\nd"} 2',
    'shoal_things_total{kind="plain"} 1',
    '# HELP shoal_level A level.',
    '# TYPE shoal_level gauge',
    'shoal_level 3.5',
    ''
  ].join('\n'))
})

test('a collector that throws leaves its metric out; names are checked; series are bounded', () => {
  const r = new MetricsRegistry()
  r.gauge('broken', 'Throws.', () => { throw new Error('no') })
  r.gauge('fine', 'Works.', () => 1)
  assert.equal(r.render(), '# HELP fine Works.\n# TYPE fine gauge\nfine 1\n')
  assert.throws(() => r.counter('bad-name', 'x'))
  assert.throws(() => r.counter('fine', 'twice'))
  const many = r.counter('many_total', 'Many.')
  for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) many.inc({ peer: `p${i}` })
  const lines = r.render().split('\n').filter(l => l.startsWith('many_total'))
  assert.equal(lines.length, MAX_SERIES_PER_METRIC + 1)
  assert.ok(lines.includes('many_total{peer="other"} 50'))
})
