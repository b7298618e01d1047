/** Small numeric helpers for the benchmark: percentiles, medians, formatting. */

/** Percentile (0..100) of an ascending-sorted array, nearest-rank; NaN when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return Number.NaN
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
	return sorted[rank]!
}

export type Distribution = { n: number; p50: number; p95: number; p99: number; max: number; mean: number }

export function distribution(values: ArrayLike<number>): Distribution {
	const sorted = Float64Array.from(values).sort()
	let sum = 0
	for (const v of sorted) sum += v
	return {
		n: sorted.length,
		p50: percentileSorted(sorted, 50),
		p95: percentileSorted(sorted, 95),
		p99: percentileSorted(sorted, 99),
		max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
		mean: sorted.length ? sum / sorted.length : Number.NaN,
	}
}

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly (number | null | undefined)[]): number {
	const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
	if (finite.length === 0) return Number.NaN
	const mid = finite.length >> 1
	return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2
}

/** Formats a number for a table: '—' for missing values, few significant digits otherwise. */
export function fmt(value: number | null | undefined, digits = 0, unit = ''): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—'
	const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
	return unit ? `${text} ${unit}` : text
}

/** a / b as '1.23×', or '—'. */
export function ratio(a: number | null | undefined, b: number | null | undefined): string {
	if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—'
	return `${(a / b).toFixed(2)}×`
}

/** Monotonic milliseconds shared by every process of the machine (CLOCK_MONOTONIC). */
export function monoMs(): number {
	return Number(process.hrtime.bigint() / 1000n) / 1000
}
