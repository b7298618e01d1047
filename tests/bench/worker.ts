/**
 * A load-generator process: runs its share of a typing scenario's clients (forked by run.ts,
 * driven over IPC, see lib/ipc.ts). Typists type on a fixed schedule; every client applies what
 * it receives; each arrival of a typist's keystroke is recorded with the monotonic clock, which
 * all processes of the machine share, and matched with its send time at the end.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import * as Y from 'yjs'
import { BenchClient, connectAll, hasState, newCounters, type Counters } from './lib/client.ts'
import { blockText, TYPING_TEXT } from './lib/content.ts'
import type { ClientSpec, FromWorker, ToWorker, WindowStats, WorkerSpec } from './lib/ipc.ts'
import { monoMs, percentileSorted } from './lib/stats.ts'

const HEARTBEAT_MS = 15_000

type Entry = {
	spec: ClientSpec
	client: BenchClient
	/** Typist's cursor (a character index in its block). */
	cursor: number
	nextRenewAt: number
	connected: boolean
}

let spec: WorkerSpec
const counters: Counters = newCounters()
const entries: Entry[] = []
const typistsOfDoc = new Map<string, Set<number>>()
const seedStateVectors = new Map<string, Map<number, number>>()
// Arrivals of typists' keystrokes: (typist client id, clock, monotonic ms), column-wise.
const arrivalClient: number[] = []
const arrivalClock: number[] = []
const arrivalTime: number[] = []
/** The receiving client (its index here), for BENCH_DUMP. */
const arrivalReceiver: number[] = []
const localSendTimes = new Map<number, number[]>()
let heartbeatTimer: ReturnType<typeof setInterval> | null = null

function send(message: FromWorker) {
	process.send!(message)
}

function init(s: WorkerSpec) {
	spec = s
	for (const [name, doc] of Object.entries(s.documents)) {
		typistsOfDoc.set(name, new Set(doc.typists))
		const probe = new Y.Doc()
		Y.applyUpdate(probe, s.seeds[doc.seed]!)
		seedStateVectors.set(name, Y.decodeStateVector(Y.encodeStateVector(probe)))
		probe.destroy()
	}
	for (const c of s.clients) {
		const client = new BenchClient(
			{
				url: c.url,
				framing: s.framing,
				docName: c.doc,
				token: c.token,
				handshake: s.handshake,
				echo: s.echo,
				clientID: c.clientID,
				seed: c.seeded ? s.seeds[s.documents[c.doc]!.seed] : undefined,
				user: { name: c.name, color: c.color },
			},
			counters,
		)
		const typists = typistsOfDoc.get(c.doc)!
		const receiver = entries.length
		client.doc.on('afterTransaction', (tr: Y.Transaction) => {
			if (tr.local) return
			let now = 0
			for (const [typist, after] of tr.afterState) {
				if (!typists.has(typist)) continue
				const before = tr.beforeState.get(typist) ?? 0
				if (after <= before) continue
				now ||= monoMs()
				for (let clock = before; clock < after; clock++) {
					arrivalClient.push(typist)
					arrivalClock.push(clock)
					arrivalTime.push(now)
					arrivalReceiver.push(receiver)
				}
			}
		})
		entries.push({ spec: c, client, cursor: -1, nextRenewAt: Number.POSITIVE_INFINITY, connected: false })
	}
	send({ type: 'ready' })
}

async function connect(group: 'seeders' | 'rest') {
	const started = monoMs()
	const chosen = entries.filter((e) => e.spec.seeder === (group === 'seeders'))
	const { failed, retries } = await connectAll(
		chosen.map((e) => e.client),
		{ concurrency: spec.connectConcurrency },
	)
	const failedSet = new Set(failed)
	// A client that joined empty is ready once the document's initial content has reached it.
	const deadline = monoMs() + 30_000
	for (const e of chosen) {
		if (failedSet.has(e.client)) continue
		const sv = seedStateVectors.get(e.spec.doc)!
		while (!hasState(e.client.doc, sv) && monoMs() < deadline) await new Promise((r) => setTimeout(r, 20))
		e.connected = true
		// Members of a real room joined at different times: spread their 15 s renewals.
		e.nextRenewAt = monoMs() + Math.random() * HEARTBEAT_MS
	}
	heartbeatTimer ??= setInterval(heartbeats, 100)
	send({
		type: 'connected',
		group,
		clients: chosen.length,
		failed: failed.length,
		retries,
		ms: monoMs() - started,
		failures: failed.slice(0, 5).map((c) => `${c.config.docName}: ${c.unexpectedClose?.code ?? '?'} ${c.unexpectedClose?.reason ?? ''}`),
	})
}

/** The awareness renewal each provider does 15 s after the last local change. */
function heartbeats() {
	const now = monoMs()
	for (const e of entries) {
		if (!e.connected || e.nextRenewAt > now) continue
		e.client.renewAwareness()
		e.nextRenewAt += HEARTBEAT_MS
		if (e.nextRenewAt <= now) e.nextRenewAt = now + HEARTBEAT_MS
	}
}

/** Where the measured window starts: keystrokes sent before it are the warm-up. */
let measureFrom = 0

/** Typing runs from t0 to t0 + durationMs; traffic, CPU and delays are measured from `from`. */
function start(t0: number, from: number, durationMs: number, heartbeat: 'spread' | 'phase', phaseAt: number) {
	const end = t0 + durationMs
	measureFrom = from
	if (heartbeat === 'phase') {
		// "Everyone joined together": all renewals fall on the same instants, 15 s apart.
		for (const e of entries) if (e.connected) e.nextRenewAt = phaseAt
	}
	const lags: number[] = []
	let skipped = 0
	let typistsRunning = 0
	let windowStats: WindowStats | null = null
	const finish = () => {
		if (typistsRunning > 0 || !windowStats) return
		const sendTimes: Record<number, Float64Array> = {}
		for (const [id, times] of localSendTimes) sendTimes[id] = Float64Array.from(times, (t) => t ?? Number.NaN)
		const sorted = Float64Array.from(lags).sort()
		windowStats.typingLagP99 = percentileSorted(sorted, 99)
		windowStats.typingLagMax = sorted.length ? sorted[sorted.length - 1]! : Number.NaN
		send({ type: 'typed', sendTimes, skipped, window: windowStats })
	}
	for (const e of entries) {
		if (!e.spec.typist || !e.connected) continue
		const { rate, block } = e.spec.typist
		const interval = 1000 / rate
		const phase = Math.random() * interval
		const times: number[] = []
		localSendTimes.set(e.spec.clientID, times)
		typistsRunning++
		let k = 0
		const next = () => {
			const planned = t0 + phase + k * interval
			if (planned >= end) {
				typistsRunning--
				finish()
				return
			}
			setTimeout(() => {
				const now = monoMs()
				// Split like the latencies: by when the keystroke is sent.
				if (now >= measureFrom) lags.push(now - planned)
				k++
				const client = e.client
				const text = client.isOpen ? blockText(client.doc, block) : null
				if (!text) {
					skipped++
				} else {
					if (e.cursor < 0 || e.cursor > text.length) e.cursor = Math.floor(text.length / 2)
					const clock = Y.getState(client.doc.store, client.doc.clientID)
					times[clock] = monoMs()
					client.typeChar(text, e.cursor, TYPING_TEXT[k % TYPING_TEXT.length]!)
					e.cursor++
					e.nextRenewAt = monoMs() + HEARTBEAT_MS
				}
				next()
			}, Math.max(0, planned - monoMs()))
		}
		next()
	}
	const eld = monitorEventLoopDelay({ resolution: 10 })
	let before: { counters: Counters; cpu: NodeJS.CpuUsage } | null = null
	setTimeout(() => {
		eld.enable()
		before = { counters: { ...counters }, cpu: process.cpuUsage() }
	}, Math.max(0, measureFrom - monoMs()))
	setTimeout(() => {
		eld.disable()
		const cpu = process.cpuUsage(before!.cpu)
		windowStats = {
			sent: counters.sent - before!.counters.sent,
			received: counters.received - before!.counters.received,
			sentBytes: counters.sentBytes - before!.counters.sentBytes,
			receivedBytes: counters.receivedBytes - before!.counters.receivedBytes,
			cpuSeconds: (cpu.user + cpu.system) / 1e6,
			systemCpuSeconds: cpu.system / 1e6,
			eventLoopDelayP50: eld.percentile(50) / 1e6,
			eventLoopDelayP99: eld.percentile(99) / 1e6,
			eventLoopDelayMax: eld.max / 1e6,
			typingLagP99: Number.NaN,
			typingLagMax: Number.NaN,
			windowMs: end - measureFrom,
		}
		finish()
	}, Math.max(0, end - monoMs()))
}

async function settle(expected: Record<number, number>, sendTimes: Record<number, Float64Array>, timeoutMs: number) {
	const started = monoMs()
	const missing = (e: Entry) => {
		for (const typist of typistsOfDoc.get(e.spec.doc)!) {
			if (typist !== e.spec.clientID && Y.getState(e.client.doc.store, typist) < (expected[typist] ?? 0)) return true
		}
		return false
	}
	while (monoMs() - started < timeoutMs && entries.some((e) => e.connected && missing(e))) {
		await new Promise((r) => setTimeout(r, 50))
	}
	const settledMs = monoMs() - started
	const latencies: number[] = []
	const warmupLatencies: number[] = []
	for (let i = 0; i < arrivalClient.length; i++) {
		const typist = arrivalClient[i]!
		const clock = arrivalClock[i]!
		if (clock >= (expected[typist] ?? 0)) continue
		const sentAt = sendTimes[typist]?.[clock]
		if (sentAt === undefined || !Number.isFinite(sentAt)) continue
		if (sentAt >= measureFrom) latencies.push(arrivalTime[i]! - sentAt)
		else warmupLatencies.push(arrivalTime[i]! - sentAt)
	}
	// BENCH_DUMP=<folder>: every arrival and send time, for looking into a tail (not used by the report).
	if (process.env.BENCH_DUMP) {
		const sends = Object.fromEntries(Object.entries(sendTimes).map(([typist, times]) => [typist, Array.from(times)]))
		const dump = { measureFrom, sends, client: arrivalClient, clock: arrivalClock, time: arrivalTime, receiver: arrivalReceiver }
		mkdirSync(process.env.BENCH_DUMP, { recursive: true })
		writeFileSync(path.join(process.env.BENCH_DUMP, `arrivals-${process.pid}.json`), JSON.stringify(dump))
	}
	let expectedPairs = 0
	const digests: Record<string, Record<string, number>> = {}
	const complete: Record<string, number> = {}
	for (const e of entries) {
		for (const typist of typistsOfDoc.get(e.spec.doc)!) if (typist !== e.spec.clientID) expectedPairs += expected[typist] ?? 0
		const digest = createHash('sha1').update(e.client.fragment.toString()).digest('hex').slice(0, 16)
		const byDigest = (digests[e.spec.doc] ??= {})
		byDigest[digest] = (byDigest[digest] ?? 0) + 1
		if (!missing(e)) complete[e.spec.doc] = (complete[e.spec.doc] ?? 0) + 1
	}
	send({
		type: 'result',
		latencies: Float64Array.from(latencies),
		warmupLatencies: Float64Array.from(warmupLatencies),
		receivedPairs: latencies.length + warmupLatencies.length,
		expectedPairs,
		settledMs,
		digests,
		complete,
		unexpectedCloses: entries.flatMap((e) => (e.client.unexpectedClose ? [e.client.unexpectedClose] : [])),
		permissionDenied: entries.filter((e) => e.client.permissionDenied !== null).length,
		savedAcks: entries.reduce((n, e) => n + (e.client.saved.size > 0 ? 1 : 0), 0),
		syncStatusAcks: entries.reduce((n, e) => n + e.client.syncStatusAcks, 0),
	})
}

// BENCH_DEBUG=1: a line per second with this worker's traffic, CPU and worst event-loop delay.
if (process.env.BENCH_DEBUG) {
	const h = monitorEventLoopDelay({ resolution: 10 })
	h.enable()
	let last = { ...counters }
	let cpu = process.cpuUsage()
	setInterval(() => {
		const c = process.cpuUsage(cpu)
		cpu = process.cpuUsage()
		console.error(`[worker] +${counters.sent - last.sent} sent +${counters.received - last.received} received, cpu ${((c.user + c.system) / 1e4).toFixed(0)} % (sys ${(c.system / 1e4).toFixed(0)} %), eld max ${(h.max / 1e6).toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`)
		last = { ...counters }
		h.reset()
	}, 1000).unref()
}

process.on('message', (message: ToWorker) => {
	const run = async () => {
		switch (message.type) {
			case 'init':
				return init(message.spec)
			case 'connect':
				return connect(message.group)
			case 'start':
				return start(message.t0, message.measureFrom, message.durationMs, message.heartbeat, message.phaseAt)
			case 'settle':
				return settle(message.expected, message.sendTimes, message.timeoutMs)
			case 'close':
				if (heartbeatTimer) clearInterval(heartbeatTimer)
				for (const e of entries) e.client.destroy()
				setTimeout(() => process.exit(0), 200)
		}
	}
	run().catch((error: Error) => send({ type: 'error', message: error.stack ?? error.message }))
})
process.on('disconnect', () => process.exit(0))
