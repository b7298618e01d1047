import { personOf } from '../accord/manifest.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import { BenchClient, connectAll, newCounters } from '../lib/client.ts'
import { HISTORY_CLIENT_ID } from '../lib/content.ts'
import { distribution, monoMs, type Distribution } from '../lib/stats.ts'
import { clientUrl, framingOf, type Variant } from '../lib/variants.ts'
import { prepareAccord, startServer, type RunningServer } from '../servers/launch.ts'

export type ColdJoinConfig = {
	/** Updates in the document's history (100,000 in the issue). */
	updates: number
	/** Single joins measured one after another. */
	joins: number
	/** Clients joining at once. */
	burst: number
}

export type ColdJoinResult = {
	scenario: 'S4'
	variant: string
	rep: number
	updates: number
	/** Encoded size of the final document. */
	documentBytes: number
	/** Until an observer connected to the same document had every update. */
	ingestSeconds: number
	ingestPerSecond: number
	/** Accord: until the server acknowledged every update as written (?acks=1). */
	durableIngestSeconds: number | null
	durableIngestPerSecond: number | null
	ingestServerCpuSeconds: number
	/** New client → fully synced, with the document loaded (someone else connected). */
	joinLoaded: Distribution
	/** New client → synced on a document of one short paragraph: the fixed cost of a connection. */
	joinSmall: Distribution
	/** Accord: the same with the document unloaded (nobody connected): loaded from the database. */
	joinUnloaded: Distribution | null
	/** `burst` clients joining at once: time until each has received the whole document (p50, max). */
	burstLoaded: Distribution
	burstUnloaded: Distribution | null
	/** Accord: the first join of the document after a restart (start, then warm-up on another document). */
	restartJoinMs: number | null
	restartStartMs: number | null
	serverPeakRssMB: number
	errors: string[]
}

const DOC = 's4-history'
const WARM_DOC = 's4-warm'
const INGEST_BUDGET_SCALE = 10_000
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * S4: a document whose history is `updates` small updates (one author typing), ingested through
 * a client connection (so that Accord writes them to its durable log), then joined by new clients:
 * one by one, and in a burst. For Accord also with the document unloaded (its rooms unload ~1 s
 * after the last connection leaves) and after a restart.
 */
export async function runColdJoin(
	config: ColdJoinConfig,
	variant: Variant,
	rep: number,
	history: { base: Uint8Array; updates: Uint8Array[]; finalClock: number },
	runDir: string,
	log: (line: string) => void,
): Promise<ColdJoinResult> {
	const errors: string[] = []
	const tStart = monoMs()
	const debug = (what: string) => process.env.BENCH_DEBUG && log(`      [${((monoMs() - tStart) / 1000).toFixed(1)} s] ${what}`)
	const isAccord = variant.server === 'accord'
	let accord: Awaited<ReturnType<typeof prepareAccord>> | null = null
	if (isAccord) {
		mkdirSync(runDir, { recursive: true })
		const baseFile = path.join(runDir, 's4-base.bin')
		writeFileSync(baseFile, history.base)
		accord = await prepareAccord(runDir, [{ slug: DOC, seedFile: baseFile }, { slug: WARM_DOC, seedFile: baseFile }], config.burst + 8, `S4-${config.burst}`)
	}
	// One socket sending 100,000 updates as fast as it can is a flood by Accord's policy (the
	// per-connection budget, CONNECTION_MESSAGES_PER_S): it would be slowed to 50 a second and
	// closed. S4 measures what the update log takes, so its server runs with the budget raised.
	let server: RunningServer = await startServer(variant.server, { dataDir: accord?.dataDir, connectionBudgetScale: INGEST_BUDGET_SCALE })
	let peakRss = 0
	const clients: BenchClient[] = []
	let nextClientId = 50_000
	let userIndex = 0
	const makeClient = (doc: string, options: { seeded?: boolean; presence?: boolean; acks?: boolean; applyRemote?: boolean } = {}) => {
		const v = options.acks ? variant : { ...variant, acks: false }
		const client = new BenchClient(
			{
				url: clientUrl(v, server.port, doc, accord ? { documentId: accord.manifest.documents[doc]!, ...personOf(accord.manifest, userIndex++) } : undefined),
				framing: framingOf(variant),
				docName: doc,
				token: 'bench',
				handshake: true,
				echo: false,
				clientID: nextClientId++,
				seed: options.seeded ? history.base : undefined,
				user: { name: 'Đại biểu', color: '#1d4ed8' },
				presence: options.presence ?? true,
				applyRemote: options.applyRemote,
			},
			newCounters(),
		)
		clients.push(client)
		return client
	}
	const hasAll = (client: BenchClient) => Y.getState(client.doc.store, HISTORY_CLIENT_ID) >= history.finalClock
	const untilAll = async (client: BenchClient, timeoutMs: number) => {
		const deadline = monoMs() + timeoutMs
		while (!hasAll(client)) {
			if (monoMs() > deadline) throw new Error('client did not receive the whole document in time')
			await new Promise<void>((resolve) => {
				const onUpdate = () => {
					client.doc.off('afterTransaction', onUpdate)
					resolve()
				}
				client.doc.on('afterTransaction', onUpdate)
				setTimeout(onUpdate, 50)
			})
		}
	}
	/** One new client: connect → synced and holding the whole document; milliseconds. */
	const join = async (inspect?: (doc: Y.Doc) => void): Promise<number> => {
		const client = makeClient(DOC)
		const t = monoMs()
		await client.connect(120_000)
		await untilAll(client, 120_000)
		const ms = monoMs() - t
		inspect?.(client.doc)
		client.destroy()
		return ms
	}
	/**
	 * `burst` clients at once, each until the whole document has arrived (its sync step 2) but not
	 * applied: fifty clients applying a large document in this one process would measure their own
	 * decoding (~2 s for every server), not the server.
	 */
	const burst = async (): Promise<Distribution> => {
		const joiners = Array.from({ length: config.burst }, () => makeClient(DOC, { applyRemote: false }))
		const t = monoMs()
		const times = await Promise.all(
			joiners.map(async (c) => {
				await c.connect(120_000)
				return monoMs() - t
			}),
		)
		for (const c of joiners) c.destroy()
		return distribution(times)
	}

	try {
		debug('connecting the author and an observer')
		// The author, who pushes the base content (in-memory servers start empty), and an observer.
		// Neither applies what it receives: the observer only reads how far the author's clock got
		// (Y.parseUpdateMeta), so the ingest rate is the server's, not a client's applying speed.
		const sender = makeClient(DOC, { seeded: true, presence: false, acks: true, applyRemote: false })
		const observer = makeClient(DOC, { presence: false, applyRemote: false })
		let observed = 0
		let observedAll: (() => void) | null = null
		observer.onRemoteUpdate = (update) => {
			const clock = Y.parseUpdateMeta(update).to.get(HISTORY_CLIENT_ID) ?? 0
			if (clock > observed) observed = clock
			if (observed >= history.finalClock) observedAll?.()
		}
		const allObserved = new Promise<void>((resolve) => (observedAll = resolve))
		const { failed } = await connectAll([sender, observer], { concurrency: 1 })
		if (failed.length) throw new Error(`S4: could not connect (${failed[0]!.unexpectedClose?.reason})`)
		await wait(300)

		debug('ingest')
		const durable = new Promise<number>((resolve) => {
			sender.onSaved = (saved) => {
				if ((saved.get(HISTORY_CLIENT_ID) ?? 0) >= history.finalClock) resolve(monoMs())
			}
		})
		const t0 = monoMs()
		for (let i = 0; i < history.updates.length; i++) {
			sender.sendUpdate(history.updates[i]!)
			// Back-pressure: do not queue hundreds of megabytes in the socket.
			if (i % 500 === 499) while (sender.bufferedAmount > 1 << 20) await new Promise((r) => setImmediate(r))
		}
		await Promise.race([allObserved, wait(600_000).then(() => Promise.reject(new Error('S4: the observer did not get the whole history in 10 min')))])
		const ingestSeconds = (monoMs() - t0) / 1000
		let durableIngestSeconds: number | null = null
		if (isAccord) {
			const at = await Promise.race([durable, wait(120_000).then(() => Number.NaN)])
			durableIngestSeconds = (at - t0) / 1000
			if (!Number.isFinite(durableIngestSeconds)) errors.push('no acknowledgement of the whole history within 120 s')
		}
		const ingestServerCpuSeconds = server.sampler.cpuBetween(t0, monoMs())
		let documentBytes = 0
		log(`    ingest of ${history.updates.length} updates: ${ingestSeconds.toFixed(2)} s${durableIngestSeconds !== null ? `, on disk after ${durableIngestSeconds.toFixed(2)} s` : ''}`)
		sender.destroy()

		// Loaded: the observer stays connected (Hocuspocus unloads an in-memory document, losing
		// it, when its last connection leaves).
		debug('single joins (loaded)')
		const joinLoaded: number[] = []
		for (let i = 0; i < config.joins; i++) {
			joinLoaded.push(await join((doc) => (documentBytes = Y.encodeStateAsUpdate(doc).length)))
			await wait(100)
		}
		debug('burst (loaded)')
		const burstLoaded = await burst()
		// The fixed cost of a connection (handshake, authentication, an almost empty sync).
		const joinSmall: number[] = []
		for (let i = 0; i < config.joins; i++) {
			const client = makeClient(WARM_DOC)
			const t = monoMs()
			await client.connect(60_000)
			joinSmall.push(monoMs() - t)
			client.destroy()
			await wait(100)
		}

		let joinUnloaded: number[] | null = null
		let burstUnloaded: Distribution | null = null
		let restartJoinMs: number | null = null
		let restartStartMs: number | null = null
		if (isAccord) {
			// Nobody connected: the room unloads after ROOM_UNLOAD_DELAY_MS, once written.
		debug('single joins (unloaded)')
			observer.destroy()
			joinUnloaded = []
			for (let i = 0; i < config.joins; i++) {
				await wait(3_000)
				joinUnloaded.push(await join())
			}
			await wait(3_000)
		debug('burst (unloaded)')
			burstUnloaded = await burst()
			await wait(3_000)
		debug('restart')
			const port = server.port
			peakRss = server.sampler.peakRss()
			await server.stop()
			const t = monoMs()
			server = await startServer(variant.server, { dataDir: accord!.dataDir, port, connectionBudgetScale: INGEST_BUDGET_SCALE })
		debug('warm-up after restart')
			restartStartMs = monoMs() - t
			// Warm the process up (first database queries, authentication) on another document.
			const warm = makeClient(WARM_DOC)
			await warm.connect(120_000)
			warm.destroy()
		debug('join after restart')
			restartJoinMs = await join()
		} else {
			observer.destroy()
		}
		return {
			scenario: 'S4',
			variant: variant.key,
			rep,
			updates: history.updates.length,
			documentBytes,
			ingestSeconds,
			ingestPerSecond: history.updates.length / ingestSeconds,
			durableIngestSeconds,
			durableIngestPerSecond: durableIngestSeconds ? history.updates.length / durableIngestSeconds : null,
			ingestServerCpuSeconds,
			joinLoaded: distribution(joinLoaded),
			joinSmall: distribution(joinSmall),
			joinUnloaded: joinUnloaded && distribution(joinUnloaded),
			burstLoaded,
			burstUnloaded,
			restartJoinMs,
			restartStartMs,
			serverPeakRssMB: Math.max(peakRss, server.sampler.peakRss()) / 2 ** 20,
			errors,
		}
	} finally {
		debug('finally')
		for (const c of clients) c.destroy()
		await server.stop()
		debug('stopped')
	}
}

/** S4's history and the clock its author reaches. */
export function historyInfo(base: Uint8Array, updates: Uint8Array[]): { base: Uint8Array; updates: Uint8Array[]; finalClock: number } {
	const doc = new Y.Doc()
	Y.applyUpdate(doc, base)
	doc.transact(() => {
		for (const u of updates) Y.applyUpdate(doc, u)
	})
	const finalClock = Y.getState(doc.store, HISTORY_CLIENT_ID)
	doc.destroy()
	return { base, updates, finalClock }
}
