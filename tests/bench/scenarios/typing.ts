import { personOf } from '../accord/manifest.ts'
import { fork, type ChildProcess } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { GROUP_COMMIT_WINDOW_MS } from '#app/domain/constants.ts'
import { exitOrTerminate, track } from '../lib/children.ts'
import { FIRST_BENCH_CLIENT_ID } from '../lib/content.ts'
import type { ClientSpec, FromWorker, ToWorker, WindowStats, WorkerSpec } from '../lib/ipc.ts'
import { ProcSampler } from '../lib/proc.ts'
import { distribution, monoMs, type Distribution } from '../lib/stats.ts'
import { clientUrl, COLORS, framingOf, type Variant } from '../lib/variants.ts'
import { accordLogStats, prepareAccord, startServer, type RunningServer } from '../servers/launch.ts'

const WORKER = path.resolve(import.meta.dirname, '../worker.ts')
const FLOODER = path.resolve(import.meta.dirname, '../flooder.ts')

export type TypingScenario = {
	id: string
	title: string
	docs: number
	clientsPerDoc: number
	typistsPerDoc: number
	/** Keystrokes per second per typist. */
	rate: number
	durationMs: number
	/**
	 * Typing that runs before the measured window, the same for every server: a freshly started
	 * process compiles its code during its first second of traffic. Its latencies are reported
	 * apart (warmupLatency); delivery and convergence count it.
	 */
	warmupMs: number
	heartbeat: 'spread' | 'phase'
	/** Generator processes the clients are spread over. */
	workers: number
	/** Flooding clients (tests/bench/flooder.ts, each its own process) in the first document while the typists type. */
	flooders?: number
}

export type GeneratorStats = {
	workers: number
	cpuPercent: number[]
	systemCpuPercent: number[]
	eventLoopDelayP99: number[]
	eventLoopDelayMax: number[]
	typingLagP99: number[]
	saturated: boolean
	why: string[]
}

export type PersistenceStats = {
	rows: number
	writes: number
	bytes: number
	writesPerSecond: number
	rowsPerSecond: number
	bytesPerKeystroke: number
	checkpoints: number
	checkpointBytes: number
	groupCommitWindowMs: number
}

export type TypingResult = {
	scenario: string
	variant: string
	rep: number
	clients: number
	keystrokes: number
	latency: Distribution
	warmupLatency: Distribution
	delivery: number
	convergence: number
	serverCpuSeconds: number
	serverCpuPercent: number
	serverPeakRssMB: number
	/** CPU of every other process of the machine during the window (other work on a shared machine), in % of one core. */
	otherCpuPercent: number
	machineCpuPercent: number
	messagesInPerSecond: number
	messagesOutPerSecond: number
	bytesInPerSecond: number
	bytesOutPerSecond: number
	connectMs: number
	connectFailures: number
	connectRetries: number
	disconnects: number
	disconnectCodes: Record<string, number>
	settledMs: number
	skippedKeystrokes: number
	generator: GeneratorStats
	persistence: PersistenceStats | null
	errors: string[]
}

type WorkerHandle = {
	child: ChildProcess
	next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>>
	send(message: ToWorker): void
}

/** A flooding client in its own process (tests/bench/flooder.ts); `stop` ends it and gives how many updates it sent. */
function startFlooder(url: string) {
	const child = track(fork(FLOODER, [url], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }))
	// An attacker's own CPU is on its own machine: here the flooder shares two cores with the
	// server and the typists' generator, so it gets what they leave (it still offers thousands of
	// updates a second, far past a connection's budget).
	try {
		if (child.pid) os.setPriority(child.pid, 19)
	} catch {
		// Not allowed here: it runs at the normal priority.
	}
	let out = ''
	child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
	return {
		async stop(): Promise<number> {
			child.kill('SIGTERM')
			await exited
			try {
				return (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { sent?: number }).sent ?? 0
			} catch {
				return 0
			}
		},
	}
}

function forkWorker(): WorkerHandle {
	const child = track(
		fork(WORKER, [], {
			// BENCH_CPU_PROF=<dir> profiles the generator itself (to see what saturates it).
			// A larger young generation: the clients allocate fast, and scavenges were ~12 % of the generator's time.
			execArgv: ['--import', 'tsx', '--max-semi-space-size=32', ...(process.env.BENCH_WORKER_ARGS?.split(/\s+/).filter(Boolean) ?? []), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [])],
			serialization: 'advanced',
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		}),
	)
	const inbox: FromWorker[] = []
	const waiters: (() => void)[] = []
	let failure: Error | null = null
	child.on('message', (message: FromWorker) => {
		if (message.type === 'error') failure = new Error(`generator worker: ${message.message}`)
		else inbox.push(message)
		for (const w of waiters.splice(0)) w()
	})
	child.on('exit', (code) => {
		failure ??= new Error(`generator worker exited (${code})`)
		for (const w of waiters.splice(0)) w()
	})
	return {
		child,
		send: (message) => child.send(message),
		async next(type, timeoutMs) {
			const deadline = Date.now() + timeoutMs
			for (;;) {
				const index = inbox.findIndex((m) => m.type === type)
				if (index >= 0) return inbox.splice(index, 1)[0] as never
				if (failure) throw failure
				const left = deadline - Date.now()
				if (left <= 0) throw new Error(`generator worker: no '${type}' within ${timeoutMs} ms`)
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, Math.min(left, 1000))
					waiters.push(() => {
						clearTimeout(timer)
						resolve()
					})
				})
			}
		},
	}
}

export const docName = (i: number) => `bench-d${i}`

/**
 * One run of a typing scenario (S1, S2, S3 and S1 with heartbeats in phase) against one fresh
 * server: connect everyone, type for the duration, let the last keystrokes arrive, compare.
 */
export async function runTyping(
	scenario: TypingScenario,
	variant: Variant,
	rep: number,
	seed: { file: string; bytes: Uint8Array },
	runDir: string,
	log: (line: string) => void,
): Promise<TypingResult> {
	const errors: string[] = []
	const docs = Array.from({ length: scenario.docs }, (_, i) => docName(i))
	let accord: Awaited<ReturnType<typeof prepareAccord>> | null = null
	if (variant.server === 'accord') {
		// Enough people that none holds more than 16 sockets (a person may hold MAX_SOCKETS_PER_USER).
		const people = Math.max(scenario.clientsPerDoc, Math.ceil((scenario.docs * scenario.clientsPerDoc) / 16))
		accord = await prepareAccord(runDir, docs.map((slug) => ({ slug, seedFile: seed.file })), people, `typing-${scenario.docs}x${scenario.clientsPerDoc}`)
	}
	const server = await startServer(variant.server, { dataDir: accord?.dataDir })
	const machine = new ProcSampler(null).start()
	const workers: WorkerHandle[] = []
	try {
		const floor = variant.server === 'floor'
		const clients: ClientSpec[] = []
		const typistsOf: Record<string, { seed: string; typists: number[] }> = {}
		let g = 0
		for (const doc of docs) {
			typistsOf[doc] = { seed: 'statement', typists: [] }
			for (let j = 0; j < scenario.clientsPerDoc; j++, g++) {
				const clientID = FIRST_BENCH_CLIENT_ID + g
				const typist = j < scenario.typistsPerDoc ? { rate: scenario.rate, block: 1 + 2 * j } : null
				if (typist) typistsOf[doc]!.typists.push(clientID)
				clients.push({
					clientID,
					doc,
					url: clientUrl(variant, server.port, doc, accord ? { documentId: accord.manifest.documents[doc]!, ...personOf(accord.manifest, g) } : undefined),
					token: 'bench',
					// The relay keeps no document: every client starts from the same seed bytes.
					// A server with state gets the content from its first client (or its database).
					seeded: floor || j === 0,
					seeder: !floor && j === 0,
					typist,
					name: `Đại biểu ${j + 1}`,
					color: COLORS[j % COLORS.length]!,
				})
			}
		}
		const started = monoMs()
		for (let w = 0; w < scenario.workers; w++) {
			const worker = forkWorker()
			workers.push(worker)
			const spec: WorkerSpec = {
				workerIndex: w,
				framing: framingOf(variant),
				handshake: !floor,
				echo: variant.echo,
				seeds: { statement: seed.bytes },
				documents: typistsOf,
				clients: clients.filter((_, i) => i % scenario.workers === w),
				connectConcurrency: 8,
			}
			worker.send({ type: 'init', spec })
		}
		await Promise.all(workers.map((w) => w.next('ready', 60_000)))
		let connectFailures = 0
		let connectRetries = 0
		for (const group of ['seeders', 'rest'] as const) {
			for (const w of workers) w.send({ type: 'connect', group })
			const replies = await Promise.all(workers.map((w) => w.next('connected', 300_000)))
			for (const r of replies) {
				connectFailures += r.failed
				connectRetries += r.retries
				if (r.failed) errors.push(`connect (${group}): ${r.failed} failed, e.g. ${r.failures.join('; ')}`)
			}
		}
		const connectMs = monoMs() - started
		log(`    ${clients.length} clients connected in ${(connectMs / 1000).toFixed(1)} s${connectFailures ? `, ${connectFailures} failed` : ''}`)

		const t0 = monoMs() + 2_000
		// The measured window: [m0, m0 + durationMs), after the warm-up's typing.
		const m0 = t0 + scenario.warmupMs
		const phaseAt = m0 + 3_000
		const flooders = Array.from({ length: scenario.flooders ?? 0 }, (_, i) =>
			startFlooder(clientUrl(variant, server.port, docs[0]!, accord ? { documentId: accord.manifest.documents[docs[0]!]!, ...personOf(accord.manifest, -1 - i) } : undefined)),
		)
		for (const w of workers) w.send({ type: 'start', t0, measureFrom: m0, durationMs: scenario.warmupMs + scenario.durationMs, heartbeat: scenario.heartbeat, phaseAt })
		const typed = await Promise.all(workers.map((w) => w.next('typed', scenario.warmupMs + scenario.durationMs + 120_000)))
		const floodSent = (await Promise.all(flooders.map((f) => f.stop()))).reduce((a, b) => a + b, 0)
		if (flooders.length > 0) log(`    flooding client sent ${floodSent.toLocaleString('en')} updates (${Math.round(floodSent / ((scenario.warmupMs + scenario.durationMs) / 1000 + 2))}/s offered)`)
		const sendTimes: Record<number, Float64Array> = {}
		const expected: Record<number, number> = {}
		let keystrokes = 0
		let skipped = 0
		for (const t of typed) {
			skipped += t.skipped
			for (const [id, times] of Object.entries(t.sendTimes)) {
				sendTimes[Number(id)] = times
				expected[Number(id)] = times.length
				keystrokes += times.length
			}
		}
		for (const w of workers) w.send({ type: 'settle', expected, sendTimes, timeoutMs: 15_000 })
		const results = await Promise.all(workers.map((w) => w.next('result', 120_000)))
		const windowEnd = monoMs()

		// Convergence: per document, the text most clients hold, held by clients that have every keystroke.
		let converged = 0
		for (const doc of docs) {
			const counts = new Map<string, number>()
			let complete = 0
			for (const r of results) {
				for (const [digest, n] of Object.entries(r.digests[doc] ?? {})) counts.set(digest, (counts.get(digest) ?? 0) + n)
				complete += r.complete[doc] ?? 0
			}
			const modal = Math.max(0, ...counts.values())
			converged += Math.min(modal, complete)
		}
		const latencies = concat(results.map((r) => r.latencies))
		const warmupLatencies = concat(results.map((r) => r.warmupLatencies))
		const received = results.reduce((n, r) => n + r.receivedPairs, 0)
		const expectedPairs = results.reduce((n, r) => n + r.expectedPairs, 0)
		const windows = typed.map((t) => t.window)
		const sum = (f: (w: WindowStats) => number) => windows.reduce((n, w) => n + f(w), 0)
		const seconds = scenario.durationMs / 1000
		const serverCpuSeconds = server.sampler.cpuBetween(m0, m0 + scenario.durationMs)
		const disconnectCodes: Record<string, number> = {}
		for (const r of results) for (const c of r.unexpectedCloses) disconnectCodes[c.code] = (disconnectCodes[c.code] ?? 0) + 1
		const generator = generatorStats(windows)
		machine.stop()
		const machineCpuSeconds = machine.cpuBetween(m0, m0 + scenario.durationMs)
		const generatorCpuSeconds = sum((w) => w.cpuSeconds)
		const result: TypingResult = {
			scenario: scenario.id,
			variant: variant.key,
			rep,
			clients: clients.length,
			keystrokes,
			latency: distribution(latencies),
			warmupLatency: distribution(warmupLatencies),
			delivery: expectedPairs ? received / expectedPairs : Number.NaN,
			convergence: converged / clients.length,
			serverCpuSeconds,
			serverCpuPercent: (100 * serverCpuSeconds) / seconds,
			serverPeakRssMB: server.sampler.peakRss(started, windowEnd) / 2 ** 20,
			machineCpuPercent: (100 * machineCpuSeconds) / seconds,
			otherCpuPercent: (100 * Math.max(0, machineCpuSeconds - serverCpuSeconds - generatorCpuSeconds)) / seconds,
			messagesInPerSecond: sum((w) => w.sent) / seconds,
			messagesOutPerSecond: sum((w) => w.received) / seconds,
			bytesInPerSecond: sum((w) => w.sentBytes) / seconds,
			bytesOutPerSecond: sum((w) => w.receivedBytes) / seconds,
			connectMs,
			connectFailures,
			connectRetries,
			disconnects: Object.values(disconnectCodes).reduce((a, b) => a + b, 0),
			disconnectCodes,
			settledMs: Math.max(...results.map((r) => r.settledMs)),
			skippedKeystrokes: skipped,
			generator,
			persistence: null,
			errors,
		}
		await closeAll(workers, server)
		if (accord) result.persistence = await persistenceStats(accord.dataDir, docs, keystrokes, (scenario.warmupMs + scenario.durationMs) / 1000)
		return result
	} finally {
		machine.stop()
		await closeAll(workers, server)
	}
}

async function closeAll(workers: WorkerHandle[], server: RunningServer) {
	for (const w of workers) if (w.child.connected) w.send({ type: 'close' })
	await Promise.all(workers.map((w) => exitOrTerminate(w.child, 5_000)))
	await server.stop()
}

function concat(arrays: Float64Array[]): Float64Array {
	const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0))
	let at = 0
	for (const a of arrays) {
		out.set(a, at)
		at += a.length
	}
	return out
}

/**
 * A generator process that used most of a core, or whose event loop or typing schedule fell
 * behind, measures itself as much as the server: flagged so it is not read as server latency.
 */
function generatorStats(windows: WindowStats[]): GeneratorStats {
	const cpuPercent = windows.map((w) => (100 * w.cpuSeconds) / (w.windowMs / 1000))
	const why: string[] = []
	windows.forEach((w, i) => {
		if (cpuPercent[i]! >= 90) why.push(`worker ${i} CPU ${cpuPercent[i]!.toFixed(0)} %`)
		if (w.eventLoopDelayP99 >= 50) why.push(`worker ${i} event-loop delay p99 ${w.eventLoopDelayP99.toFixed(0)} ms`)
		if (w.typingLagP99 >= 50) why.push(`worker ${i} typing lag p99 ${w.typingLagP99.toFixed(0)} ms`)
	})
	return {
		workers: windows.length,
		cpuPercent,
		systemCpuPercent: windows.map((w) => (100 * w.systemCpuSeconds) / (w.windowMs / 1000)),
		eventLoopDelayP99: windows.map((w) => w.eventLoopDelayP99),
		eventLoopDelayMax: windows.map((w) => w.eventLoopDelayMax),
		typingLagP99: windows.map((w) => w.typingLagP99),
		saturated: why.length > 0,
		why,
	}
}

async function persistenceStats(dataDir: string, docs: string[], keystrokes: number, seconds: number): Promise<PersistenceStats> {
	const { documents: stats, writes } = await accordLogStats(dataDir, docs)
	const rows = stats.reduce((n, s) => n + s.rows, 0)
	const bytes = stats.reduce((n, s) => n + s.bytes, 0)
	return {
		rows,
		writes,
		bytes,
		// Writes happen while typing (plus the final flush): per second of typing.
		writesPerSecond: writes / seconds,
		rowsPerSecond: rows / seconds,
		bytesPerKeystroke: keystrokes ? bytes / keystrokes : Number.NaN,
		checkpoints: stats.reduce((n, s) => n + s.checkpoints, 0),
		checkpointBytes: stats.reduce((n, s) => n + s.checkpointBytes, 0),
		groupCommitWindowMs: GROUP_COMMIT_WINDOW_MS,
	}
}
