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
	/** Accord: the same with the document unloaded (nobody connected): loaded from the database. */
	joinUnloaded: Distribution | null
	/** `burst` clients joining at once: time until the last one is synced (p50 and max). */
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
	const isAccord = variant.server === 'accord'
	let accord: Awaited<ReturnType<typeof prepareAccord>> | null = null
	if (isAccord) {
		mkdirSync(runDir, { recursive: true })
		const baseFile = path.join(runDir, 's4-base.bin')
		writeFileSync(baseFile, history.base)
		accord = await prepareAccord(runDir, [{ slug: DOC, seedFile: baseFile }, { slug: WARM_DOC, seedFile: baseFile }], config.burst + 8, `S4-${config.burst}`)
	}
	let server: RunningServer = await startServer(variant.server, { dataDir: accord?.dataDir })
	let peakRss = 0
	const clients: BenchClient[] = []
	let nextClientId = 50_000
	let userIndex = 0
	const makeClient = (doc: string, options: { seeded?: boolean; presence?: boolean; acks?: boolean } = {}) => {
		const v = options.acks ? variant : { ...variant, acks: false }
		const client = new BenchClient(
			{
				url: clientUrl(v, server.port, doc, accord ? { documentId: accord.manifest.documents[doc]!, userId: accord.manifest.users[userIndex++ % accord.manifest.users.length]! } : undefined),
				framing: framingOf(variant),
				docName: doc,
				token: 'bench',
				handshake: true,
				echo: false,
				clientID: nextClientId++,
				seed: options.seeded ? history.base : undefined,
				user: { name: 'Đại biểu', color: '#1d4ed8' },
				presence: options.presence ?? true,
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
	const join = async (): Promise<number> => {
		const client = makeClient(DOC)
		const t = monoMs()
		await client.connect(120_000)
		await untilAll(client, 120_000)
		const ms = monoMs() - t
		client.destroy()
		return ms
	}
	const burst = async (): Promise<Distribution> => {
		const joiners = Array.from({ length: config.burst }, () => makeClient(DOC))
		const t = monoMs()
		const times = await Promise.all(
			joiners.map(async (c) => {
				await c.connect(120_000)
				await untilAll(c, 120_000)
				return monoMs() - t
			}),
		)
		for (const c of joiners) c.destroy()
		return distribution(times)
	}

	try {
		// The author, who pushes the base content (in-memory servers start empty), and an observer.
		const sender = makeClient(DOC, { seeded: true, presence: false, acks: true })
		const observer = makeClient(DOC, { presence: false })
		const { failed } = await connectAll([sender, observer], { concurrency: 1 })
		if (failed.length) throw new Error(`S4: could not connect (${failed[0]!.unexpectedClose?.reason})`)
		await wait(300)

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
		await untilAll(observer, 600_000)
		const ingestSeconds = (monoMs() - t0) / 1000
		let durableIngestSeconds: number | null = null
		if (isAccord) {
			const at = await Promise.race([durable, wait(120_000).then(() => Number.NaN)])
			durableIngestSeconds = (at - t0) / 1000
			if (!Number.isFinite(durableIngestSeconds)) errors.push('no acknowledgement of the whole history within 120 s')
		}
		const ingestServerCpuSeconds = server.sampler.cpuBetween(t0, monoMs())
		const documentBytes = Y.encodeStateAsUpdate(observer.doc).length
		log(`    ingest of ${history.updates.length} updates: ${ingestSeconds.toFixed(2)} s${durableIngestSeconds !== null ? `, on disk after ${durableIngestSeconds.toFixed(2)} s` : ''}; document ${(documentBytes / 1024).toFixed(0)} KB`)
		sender.destroy()

		// Loaded: the observer stays connected (Hocuspocus unloads an in-memory document, losing
		// it, when its last connection leaves).
		const joinLoaded: number[] = []
		for (let i = 0; i < config.joins; i++) {
			joinLoaded.push(await join())
			await wait(100)
		}
		const burstLoaded = await burst()

		let joinUnloaded: number[] | null = null
		let burstUnloaded: Distribution | null = null
		let restartJoinMs: number | null = null
		let restartStartMs: number | null = null
		if (isAccord) {
			// Nobody connected: the room unloads after ROOM_UNLOAD_DELAY_MS, once written.
			observer.destroy()
			joinUnloaded = []
			for (let i = 0; i < config.joins; i++) {
				await wait(3_000)
				joinUnloaded.push(await join())
			}
			await wait(3_000)
			burstUnloaded = await burst()
			await wait(3_000)
			const port = server.port
			peakRss = server.sampler.peakRss()
			await server.stop()
			const t = monoMs()
			server = await startServer(variant.server, { dataDir: accord!.dataDir, port })
			restartStartMs = monoMs() - t
			// Warm the process up (first database queries, authentication) on another document.
			const warm = makeClient(WARM_DOC)
			await warm.connect(120_000)
			warm.destroy()
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
			joinUnloaded: joinUnloaded && distribution(joinUnloaded),
			burstLoaded,
			burstUnloaded,
			restartJoinMs,
			restartStartMs,
			serverPeakRssMB: Math.max(peakRss, server.sampler.peakRss()) / 2 ** 20,
			errors,
		}
	} finally {
		for (const c of clients) c.destroy()
		await server.stop()
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
