// The embedded database's own thread (server/pglite-thread.ts starts it). Plain JavaScript: a
// worker thread does not get the TypeScript loader the server runs under.
//
// It holds the one PGlite instance and answers wire-protocol messages with PGlite's raw
// response bytes. Everything else (queries, transactions, parsing the responses, the locks)
// runs on the server's thread, in PGliteThread, so this stays a dumb pipe: one request at a
// time, in the order they come.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'

/** @type {PGlite} */
let db
try {
	db = workerData.folder ? await PGlite.create(workerData.folder) : await PGlite.create()
} catch (error) {
	parentPort.postMessage({ type: 'failed', error: describe(error) })
	process.exit(1)
}
parentPort.postMessage({ type: 'ready' })

// Requests are handled strictly one after the other, as PGlite itself would on one thread.
let queue = Promise.resolve()
parentPort.on('message', (request) => {
	queue = queue.then(() => handle(request))
})

async function handle({ id, op, message, syncToFs, text, params }) {
	try {
		if (op === 'raw') {
			// PGlite answers in a view of a buffer it reuses: copy it out, then hand it over.
			const result = (await db.execProtocolRaw(message, { syncToFs })).slice()
			parentPort.postMessage({ id, result }, [result.buffer])
		} else if (op === 'query') {
			// The server's thread holds its locks around this, so no transaction of its is open.
			const { rows } = await db.query(text, params)
			parentPort.postMessage({ id, result: { rows } })
		} else if (op === 'sync') {
			await db.syncToFs()
			parentPort.postMessage({ id })
		} else if (op === 'close') {
			await db.close()
			parentPort.postMessage({ id })
			parentPort.close()
		} else {
			parentPort.postMessage({ id, error: { name: 'Error', message: `unknown request ${String(op)}` } })
		}
	} catch (error) {
		parentPort.postMessage({ id, error: describe(error) })
	}
}

/** What crosses back of an error; a database error keeps its fields (code, detail, …). */
function describe(error) {
	if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
	const described = { name: error.name, message: error.message, stack: error.stack }
	if ('code' in error && 'severity' in error) {
		described.fields = {}
		for (const [key, value] of Object.entries(error)) if (value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) described.fields[key] = value
	}
	return described
}
