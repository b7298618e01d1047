import type { ColdJoinResult } from '../scenarios/coldjoin.ts'
import type { MemoryResult } from '../scenarios/memory.ts'
import type { TypingResult } from '../scenarios/typing.ts'
import { fmt, median, ratio } from './stats.ts'
import { VARIANTS, type VariantKey } from './variants.ts'

/** One figure of a table: how to read it from a run, and how to print it. */
export type Metric<R> = { key: string; label: string; get: (r: R) => number | null | undefined; digits?: number; unit?: string }

export const TYPING_METRICS: Metric<TypingResult>[] = [
	{ key: 'p50', label: 'p50 ms', get: (r) => r.latency.p50, digits: 1 },
	{ key: 'p95', label: 'p95 ms', get: (r) => r.latency.p95, digits: 1 },
	{ key: 'p99', label: 'p99 ms', get: (r) => r.latency.p99, digits: 1 },
	{ key: 'max', label: 'max ms', get: (r) => r.latency.max, digits: 0 },
	{ key: 'warmupP99', label: 'warm-up p99 ms', get: (r) => r.warmupLatency?.p99, digits: 1 },
	{ key: 'delivery', label: 'delivery %', get: (r) => 100 * r.delivery, digits: 2 },
	{ key: 'convergence', label: 'converged %', get: (r) => 100 * r.convergence, digits: 1 },
	{ key: 'cpu', label: 'server CPU %', get: (r) => r.serverCpuPercent, digits: 0 },
	{ key: 'cpuSeconds', label: 'CPU s', get: (r) => r.serverCpuSeconds, digits: 1 },
	{ key: 'rss', label: 'peak RSS MB', get: (r) => r.serverPeakRssMB, digits: 0 },
	{ key: 'msgIn', label: 'msgs in/s', get: (r) => r.messagesInPerSecond, digits: 0 },
	{ key: 'msgOut', label: 'msgs out/s', get: (r) => r.messagesOutPerSecond, digits: 0 },
	{ key: 'disconnects', label: 'drops', get: (r) => r.disconnects, digits: 0 },
	{ key: 'genCpu', label: 'gen CPU % (max worker)', get: (r) => Math.max(...r.generator.cpuPercent), digits: 0 },
	{ key: 'genEld', label: 'gen ELD p99 ms', get: (r) => Math.max(...r.generator.eventLoopDelayP99), digits: 0 },
	{ key: 'otherCpu', label: 'other CPU %', get: (r) => r.otherCpuPercent, digits: 0 },
]

export const PERSISTENCE_METRICS: Metric<TypingResult>[] = [
	{ key: 'writesPerSecond', label: 'DB writes/s', get: (r) => r.persistence?.writesPerSecond, digits: 1 },
	{ key: 'rowsPerSecond', label: 'log rows/s', get: (r) => r.persistence?.rowsPerSecond, digits: 1 },
	{ key: 'bytesPerKeystroke', label: 'log bytes/keystroke', get: (r) => r.persistence?.bytesPerKeystroke, digits: 1 },
	{ key: 'checkpoints', label: 'checkpoints', get: (r) => r.persistence?.checkpoints, digits: 0 },
	{ key: 'window', label: 'max loss window ms', get: (r) => r.persistence?.groupCommitWindowMs, digits: 0 },
]

export const COLDJOIN_METRICS: Metric<ColdJoinResult>[] = [
	{ key: 'ingest', label: 'ingest updates/s', get: (r) => r.ingestPerSecond, digits: 0 },
	{ key: 'durableIngest', label: 'on disk updates/s', get: (r) => r.durableIngestPerSecond, digits: 0 },
	{ key: 'join', label: 'join (loaded) ms', get: (r) => r.joinLoaded.p50, digits: 1 },
	{ key: 'joinUnloaded', label: 'join (from DB) ms', get: (r) => r.joinUnloaded?.p50, digits: 1 },
	{ key: 'joinSmall', label: 'join of a 1-paragraph doc ms', get: (r) => r.joinSmall.p50, digits: 1 },
	{ key: 'burst', label: 'burst (loaded) max ms', get: (r) => r.burstLoaded.max, digits: 0 },
	{ key: 'burstUnloaded', label: 'burst (from DB) max ms', get: (r) => r.burstUnloaded?.max, digits: 0 },
	{ key: 'restartJoin', label: 'join after restart ms', get: (r) => r.restartJoinMs, digits: 0 },
	{ key: 'docKB', label: 'document KB', get: (r) => r.documentBytes / 1024, digits: 0 },
	{ key: 'rss', label: 'peak RSS MB', get: (r) => r.serverPeakRssMB, digits: 0 },
]

export const MEMORY_METRICS: Metric<MemoryResult>[] = [
	{ key: 'heapLoaded', label: 'heap/doc loaded KB', get: (r) => r.perDocLoaded.heapKB, digits: 0 },
	{ key: 'rssLoaded', label: 'RSS/doc loaded KB', get: (r) => r.perDocLoaded.rssKB, digits: 0 },
	{ key: 'externalLoaded', label: 'external/doc loaded KB', get: (r) => r.perDocLoaded.externalKB, digits: 0 },
	{ key: 'heapIdle', label: 'heap/doc after idle KB', get: (r) => r.perDocAfterIdle.heapKB, digits: 0 },
	{ key: 'rssIdle', label: 'RSS/doc after idle KB', get: (r) => r.perDocAfterIdle.rssKB, digits: 0 },
	{ key: 'baselineRss', label: 'RSS before MB', get: (r) => r.baseline.rss / 2 ** 20, digits: 0 },
	{ key: 'loadedRss', label: 'RSS loaded MB', get: (r) => r.loaded.rss / 2 ** 20, digits: 0 },
	{ key: 'connect', label: 'connect all s', get: (r) => r.connectMs / 1000, digits: 1 },
]

export type Medians = Record<string, Record<string, number>>

/** Per variant, the median over repetitions of every metric. */
export function mediansOf<R extends { variant: string }>(runs: R[], metrics: Metric<R>[]): Medians {
	const out: Medians = {}
	for (const variant of new Set(runs.map((r) => r.variant))) {
		const mine = runs.filter((r) => r.variant === variant)
		out[variant] = Object.fromEntries(metrics.map((m) => [m.key, median(mine.map(m.get))]))
	}
	return out
}

function table(header: string[], rows: string[][]): string {
	const line = (cells: string[]) => `| ${cells.join(' | ')} |`
	return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export function metricsTable<R>(
	medians: Medians,
	metrics: Metric<R>[],
	variants: string[],
	reps: Record<string, number>,
	labels: Record<string, string> = {},
): string {
	return table(
		['server', 'runs', ...metrics.map((m) => m.label)],
		variants
			.filter((v) => medians[v])
			.map((v) => [labels[v] ?? VARIANTS[v as VariantKey]?.label ?? v, String(reps[v] ?? 0), ...metrics.map((m) => fmt(medians[v]![m.key], m.digits ?? 0))]),
	)
}

/** Accord's rows divided by each peer's, for the metrics named. */
export function ratioTable<R>(medians: Medians, metrics: Metric<R>[], accordRows: string[], peers: string[]): string {
	const rows: string[][] = []
	for (const a of accordRows) {
		if (!medians[a]) continue
		for (const p of peers) {
			if (!medians[p]) continue
			rows.push([
				`${VARIANTS[a as VariantKey]?.label ?? a} / ${VARIANTS[p as VariantKey]?.label ?? p}`,
				...metrics.map((m) => ratio(medians[a]![m.key], medians[p]![m.key])),
			])
		}
	}
	return rows.length ? table(['ratio', ...metrics.map((m) => m.label)], rows) : ''
}

export type TargetCheck = { target: string; value: string; ok: boolean | null }

export function check(target: string, a: number | undefined, b: number | undefined, maxRatio: number): TargetCheck {
	if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return { target, value: '—', ok: null }
	const r = a / b
	return { target: `${target} ≤ ${maxRatio}×`, value: `${r.toFixed(2)}×`, ok: r <= maxRatio }
}

/** a / b must be at least `minRatio` (a rate that must not fall below a fraction of a peer's). */
export function checkAtLeast(target: string, a: number | undefined, b: number | undefined, minRatio: number): TargetCheck {
	if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return { target, value: '—', ok: null }
	const r = a / b
	return { target: `${target} ≥ ${minRatio}×`, value: `${r.toFixed(2)}×`, ok: r >= minRatio }
}

export function absolute(target: string, value: number | undefined, ok: (v: number) => boolean, shown: string): TargetCheck {
	if (value === undefined || !Number.isFinite(value)) return { target, value: '—', ok: null }
	return { target, value: shown, ok: ok(value) }
}

export function targetsTable(checks: TargetCheck[]): string {
	return table(
		['target (issue 3)', 'measured', ''],
		checks.map((c) => [c.target, c.value, c.ok === null ? 'n/a' : c.ok ? 'met' : '**not met**']),
	)
}
