import { execSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { monoMs } from './stats.ts'

const CLK_TCK = (() => {
	try {
		return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100
	} catch {
		return 100
	}
})()

export type ProcSample = { t: number; cpuSeconds: number; rssBytes: number }

/** CPU seconds (user + system) and resident memory of a process, from /proc; null once it is gone. */
export function readProc(pid: number): ProcSample | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
		// The command name (field 2) may hold spaces: split after its closing parenthesis.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
		const utime = Number(fields[11])
		const stime = Number(fields[12])
		const status = readFileSync(`/proc/${pid}/status`, 'utf8')
		const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
		return { t: monoMs(), cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rssKb * 1024 }
	} catch {
		return null
	}
}

/** CPU seconds used by the whole machine since boot (all cores, idle and iowait excluded), from /proc/stat. */
export function readMachine(): ProcSample | null {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
		const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
		return { t: monoMs(), cpuSeconds: (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLK_TCK, rssBytes: 0 }
	} catch {
		return null
	}
}

/**
 * Samples a process every `intervalMs` (250 ms: fine enough for a peak RSS, coarse enough to
 * cost nothing). CPU over a window is read from the samples nearest its ends.
 */
export class ProcSampler {
	readonly samples: ProcSample[] = []
	private timer: ReturnType<typeof setInterval> | null = null

	/** `pid` null: the whole machine (to see CPU used by processes other than the benchmark's). */
	constructor(
		readonly pid: number | null,
		private readonly intervalMs = 250,
	) {}

	start(): this {
		this.sample()
		this.timer = setInterval(() => this.sample(), this.intervalMs)
		this.timer.unref()
		return this
	}

	sample(): ProcSample | null {
		const s = this.pid === null ? readMachine() : readProc(this.pid)
		if (s) this.samples.push(s)
		return s
	}

	stop() {
		if (this.timer) clearInterval(this.timer)
		this.timer = null
		this.sample()
	}

	/** CPU seconds between two monotonic instants (interpolating between the nearest samples). */
	cpuBetween(fromMs: number, toMs: number): number {
		return this.cpuAt(toMs) - this.cpuAt(fromMs)
	}

	private cpuAt(t: number): number {
		const s = this.samples
		if (s.length === 0) return Number.NaN
		if (t <= s[0]!.t) return s[0]!.cpuSeconds
		for (let i = 1; i < s.length; i++) {
			const a = s[i - 1]!
			const b = s[i]!
			if (t <= b.t) return a.cpuSeconds + ((b.cpuSeconds - a.cpuSeconds) * (t - a.t)) / Math.max(1e-9, b.t - a.t)
		}
		return s[s.length - 1]!.cpuSeconds
	}

	peakRss(fromMs = -Infinity, toMs = Infinity): number {
		let peak = 0
		for (const s of this.samples) if (s.t >= fromMs && s.t <= toMs && s.rssBytes > peak) peak = s.rssBytes
		return peak
	}
}

/**
 * Waits (at most `maxWaitMs`) until the machine is quiet: less than `busyPercent` of one core used
 * over a second. The machine is shared: starting a run while something else computes makes it
 * measure that something too. Returns how long it waited and how busy the last second was.
 */
export async function waitForQuiet(maxWaitMs = 15_000, busyPercent = 30): Promise<{ waitedMs: number; busyPercent: number }> {
	const started = monoMs()
	for (;;) {
		const a = readMachine()
		await new Promise((r) => setTimeout(r, 1_000))
		const b = readMachine()
		const busy = a && b ? (100 * (b.cpuSeconds - a.cpuSeconds)) / ((b.t - a.t) / 1000) : 0
		if (busy < busyPercent || monoMs() - started >= maxWaitMs) return { waitedMs: monoMs() - started - 1_000, busyPercent: busy }
	}
}
