import { personOf } from '../accord/manifest.ts'
import { BenchClient, connectAll, newCounters } from '../lib/client.ts'
import { FIRST_BENCH_CLIENT_ID } from '../lib/content.ts'
import { monoMs } from '../lib/stats.ts'
import { clientUrl, framingOf, type Variant } from '../lib/variants.ts'
import { prepareAccord, startServer, type MemoryReport } from '../servers/launch.ts'

export type MemoryConfig = {
	docs: number
	/** Longest wait after the last client left before measuring "after idle" (it stops once the heap settles). */
	idleWaitMs: number
}

export type PerDocument = { rssKB: number; heapKB: number; externalKB: number }

export type MemoryResult = {
	scenario: 'S5'
	variant: string
	rep: number
	docs: number
	documentBytes: number
	connectMs: number
	connectFailures: number
	baseline: MemoryReport
	loaded: MemoryReport
	afterIdle: MemoryReport
	/** Heap after the clients left, every 2 s until it settled. */
	idleTimeline: { s: number; heapMB: number }[]
	/** (loaded − baseline) / docs: one idle document with its one connection. */
	perDocLoaded: PerDocument
	/** (after idle − baseline) / docs: what stays once nobody is connected. */
	perDocAfterIdle: PerDocument
	serverPeakRssMB: number
	errors: string[]
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

function perDoc(a: MemoryReport, base: MemoryReport, docs: number): PerDocument {
	return {
		rssKB: (a.rss - base.rss) / docs / 1024,
		heapKB: (a.heapUsed - base.heapUsed) / docs / 1024,
		externalKB: (a.external - base.external) / docs / 1024,
	}
}

/**
 * S5: `docs` documents of ~20 KB, each loaded by one idle connection; memory of the server
 * process (after a full GC, through the probe) before, while loaded, and once every client has
 * left and `idleWaitMs` has passed (Accord unloads rooms ~1 s after their last connection).
 */
export async function runMemory(
	config: MemoryConfig,
	variant: Variant,
	rep: number,
	seed: { file: string; bytes: Uint8Array },
	runDir: string,
	log: (line: string) => void,
): Promise<MemoryResult> {
	const errors: string[] = []
	const docs = Array.from({ length: config.docs }, (_, i) => `s5-d${i}`)
	let accord: Awaited<ReturnType<typeof prepareAccord>> | null = null
	const warmDoc = 's5-warm'
	if (variant.server === 'accord') {
		// A person may hold MAX_SOCKETS_PER_USER sockets: 16 documents each.
		accord = await prepareAccord(runDir, [warmDoc, ...docs].map((slug) => ({ slug, seedFile: seed.file })), Math.ceil((config.docs + 1) / 16), `S5-${config.docs}`)
	}
	const server = await startServer(variant.server, { dataDir: accord?.dataDir })
	const counters = newCounters()
	const clients: BenchClient[] = []
	const makeClient = (doc: string, i: number) =>
		new BenchClient(
			{
				url: clientUrl(variant, server.port, doc, accord ? { documentId: accord.manifest.documents[doc]!, ...personOf(accord.manifest, i) } : undefined),
				framing: framingOf(variant),
				docName: doc,
				token: 'bench',
				handshake: true,
				echo: false,
				clientID: FIRST_BENCH_CLIENT_ID + i,
				// Every client brings the content: in-memory servers get it from the sync, Accord has it already.
				seed: seed.bytes,
				user: { name: `Đại biểu ${i + 1}`, color: '#1d4ed8' },
			},
			counters,
		)
	try {
		// Warm-up: one document opened and left, so that code loaded on first use (Accord: the
		// database's query engine, the web build's modules) is in the baseline, not in the documents.
		const warm = makeClient(warmDoc, docs.length)
		await warm.connect(60_000)
		await wait(500)
		warm.destroy()
		await wait(3_000)
		const baseline = await server.memory()
		for (let i = 0; i < docs.length; i++) clients.push(makeClient(docs[i]!, i))
		const t = monoMs()
		const { failed } = await connectAll(clients, { concurrency: 16 })
		const connectMs = monoMs() - t
		if (failed.length) errors.push(`${failed.length} of ${docs.length} clients could not connect`)
		// The clients' own copies are not needed any more; only their sockets keep the documents loaded.
		for (const c of clients) c.dropState()
		await wait(2_000)
		const loaded = await server.memory()
		log(`    ${docs.length} documents loaded in ${(connectMs / 1000).toFixed(1)} s: heap ${((loaded.heapUsed - baseline.heapUsed) / docs.length / 1024).toFixed(0)} KB per document`)
		for (const c of clients) c.close()
		// Until the heap stops shrinking (Accord writes a checkpoint per document as it unloads it),
		// at most idleWaitMs.
		const leftAt = monoMs()
		let afterIdle = await server.memory()
		const idleTimeline: { s: number; heapMB: number }[] = []
		for (;;) {
			await wait(2_000)
			const next = await server.memory()
			idleTimeline.push({ s: (monoMs() - leftAt) / 1000, heapMB: next.heapUsed / 2 ** 20 })
			const settled = Math.abs(next.heapUsed - afterIdle.heapUsed) < 0.02 * Math.max(1, loaded.heapUsed - baseline.heapUsed)
			afterIdle = next
			if ((settled && monoMs() - leftAt >= 4_000) || monoMs() - leftAt >= config.idleWaitMs) break
		}
		return {
			scenario: 'S5',
			variant: variant.key,
			rep,
			docs: docs.length,
			documentBytes: seed.bytes.length,
			connectMs,
			connectFailures: failed.length,
			baseline,
			loaded,
			afterIdle,
			idleTimeline,
			perDocLoaded: perDoc(loaded, baseline, docs.length),
			perDocAfterIdle: perDoc(afterIdle, baseline, docs.length),
			serverPeakRssMB: server.sampler.peakRss() / 2 ** 20,
			errors,
		}
	} finally {
		for (const c of clients) c.close()
		await server.stop()
	}
}
