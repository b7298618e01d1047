import { Worker } from 'node:worker_threads'
import { Mutex, PGlite, protocol } from '@electric-sql/pglite'

type Message = InstanceType<typeof protocol.messages.NoticeMessage> | object
type ExecOptions = { syncToFs?: boolean; throwOnError?: boolean; onNotice?: (notice: InstanceType<typeof protocol.messages.NoticeMessage>) => void }

/**
 * The members of PGlite's (unexported) base class that PGliteThread provides: the base class
 * builds `query`, `exec` and `transaction` on them, exactly as it does for PGlite itself.
 */
type Base = abstract new () => Pick<PGlite, 'query' | 'exec' | 'transaction' | 'sql' | 'serializers' | 'parsers'> & {
	_initArrayTypes(options?: { force?: boolean }): Promise<void>
}
/** PGlite extends it; it is not exported by name. */
const BasePGlite = Object.getPrototypeOf(PGlite) as Base

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url)

/**
 * The embedded database (PGlite) on a thread of its own, used as a PGlite instance: Prisma's
 * PGlite adapter and the update log's plain SQL call it as before. PGlite runs PostgreSQL
 * compiled to WebAssembly, synchronously: on the sync server's thread every write of the log
 * stopped every room for its duration (1-5 ms, ~10 a second at the benchmark's S3), and a slow
 * query from a web page would have stopped them for longer (ADR 006, item 38).
 *
 * Only wire-protocol bytes cross between the threads (server/pglite-worker.mjs answers each
 * message with PGlite's raw response). The queries are built, the responses parsed and the
 * locks held here, by the same code as in PGlite, so errors are PGlite's own DatabaseError
 * (which the Prisma adapter maps to its error codes) and a transaction keeps the connection to
 * itself as it does in PGlite.
 */
export class PGliteThread extends BasePGlite {
	readonly debug = 0 as const
	private readonly worker: Worker
	private readonly pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>()
	private nextId = 1
	private parser = new protocol.Parser()
	private readonly queryMutex = new Mutex()
	private readonly transactionMutex = new Mutex()
	private state: 'opening' | 'open' | 'closing' | 'closed' = 'opening'
	/** Why the thread stopped, when it stopped by itself. */
	private failure: Error | null = null

	private constructor(folder: string | null, onFailure: (error: Error) => void) {
		super()
		// No TypeScript loader (or other flags) in the thread: it runs one plain module.
		this.worker = new Worker(WORKER_URL, { workerData: { folder }, execArgv: [] })
		this.worker.on('message', (reply: { id?: number; type?: string; result?: unknown; error?: SerializedError }) => {
			if (reply.id === undefined) return
			const waiting = this.pending.get(reply.id)
			if (!waiting) return
			this.pending.delete(reply.id)
			if (this.pending.size === 0) this.worker.unref()
			if (reply.error) waiting.reject(revive(reply.error))
			else waiting.resolve(reply.result)
		})
		this.worker.on('error', (error) => this.stopped(new Error(`The embedded database stopped: ${error.message}`), onFailure))
		this.worker.on('exit', (code) => this.stopped(new Error(`The embedded database stopped (its thread exited with code ${code}).`), onFailure))
	}

	/**
	 * Opens PGlite in `folder` (in memory when null) on its own thread. `onFailure` hears of the
	 * thread stopping by itself later; every query then fails with that error.
	 */
	static async open(folder: string | null, onFailure: (error: Error) => void = () => {}): Promise<PGliteThread> {
		const db = new PGliteThread(folder, onFailure)
		await new Promise<void>((resolve, reject) => {
			const onMessage = (message: { type?: string; error?: SerializedError }) => {
				if (message.type === 'ready') {
					db.worker.off('message', onMessage)
					db.worker.off('exit', onExit)
					resolve()
				} else if (message.type === 'failed') {
					db.worker.off('message', onMessage)
					db.worker.off('exit', onExit)
					reject(revive(message.error!))
				}
			}
			const onExit = () => reject(db.failure ?? new Error('The embedded database could not start.'))
			db.worker.on('message', onMessage)
			db.worker.once('exit', onExit)
		})
		db.state = 'open'
		db.worker.unref()
		await db._initArrayTypes()
		return db
	}

	get ready(): boolean {
		return this.state === 'open'
	}

	get closed(): boolean {
		return this.state === 'closed'
	}

	private stopped(error: Error, onFailure: (error: Error) => void) {
		if (this.state === 'closed') return
		const unexpected = this.state !== 'closing'
		this.state = 'closed'
		this.failure ??= error
		for (const waiting of this.pending.values()) waiting.reject(this.failure)
		this.pending.clear()
		if (unexpected) onFailure(this.failure)
	}

	private request<T>(request: Request): Promise<T> {
		if (this.state === 'closed') return Promise.reject(this.failure ?? new Error('PGlite is closed'))
		const id = this.nextId++
		return new Promise<T>((resolve, reject) => {
			if (this.pending.size === 0) this.worker.ref()
			this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject })
			this.worker.postMessage({ id, ...request })
		})
	}

	/**
	 * One statement, run whole on the database's thread: one message each way, where `query`
	 * takes six (parse, describe, bind, describe, execute, sync). For the update log's writes
	 * (app/utils/db.server.ts). It waits for open transactions and queries as `query` does.
	 */
	run(text: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }> {
		return this._checkReady().then(() =>
			this._runExclusiveTransaction(() => this._runExclusiveQuery(() => this.request<{ rows: Record<string, unknown>[] }>({ op: 'query', text, params }))),
		)
	}

	async execProtocolRaw(message: Uint8Array, { syncToFs = true }: { syncToFs?: boolean } = {}): Promise<Uint8Array> {
		return (await this.request<Uint8Array | undefined>({ op: 'raw', message, syncToFs })) ?? new Uint8Array(0)
	}

	async execProtocol(message: Uint8Array, options: ExecOptions = {}): Promise<{ messages: Message[]; data: Uint8Array }> {
		const data = await this.execProtocolRaw(message, { syncToFs: options.syncToFs ?? true })
		return { messages: this.parse(data, options), data }
	}

	async execProtocolStream(message: Uint8Array, options: ExecOptions = {}): Promise<Message[]> {
		const data = await this.execProtocolRaw(message, { syncToFs: options.syncToFs ?? true })
		return this.parse(data, options)
	}

	async execProtocolRawStream(): Promise<void> {
		throw new Error('Streaming is not supported by the embedded database thread.')
	}

	/**
	 * PGlite's own handling of a response: the messages up to the first error; with
	 * `throwOnError` (the default) that error is thrown once the response is read.
	 */
	private parse(data: Uint8Array, { throwOnError = true, onNotice }: ExecOptions): Message[] {
		const results: Message[] = []
		let error: InstanceType<typeof protocol.messages.DatabaseError> | null = null
		this.parser.parse(data, (message: Message) => {
			if (error) return
			if (message instanceof protocol.messages.DatabaseError) {
				if (throwOnError) error = message
			} else if (message instanceof protocol.messages.NoticeMessage) {
				onNotice?.(message)
			}
			results.push(message)
		})
		if (error) {
			this.parser = new protocol.Parser()
			throw error
		}
		return results
	}

	async syncToFs(): Promise<void> {
		await this.request({ op: 'sync' })
	}

	// Files attached to a query (COPY … FROM/TO a blob) are not used by Accord.
	async _handleBlob(blob?: unknown): Promise<void> {
		if (blob) throw new Error('Files attached to a query are not supported by the embedded database thread.')
	}

	async _getWrittenBlob(): Promise<undefined> {
		return undefined
	}

	async _cleanupBlob(): Promise<void> {}

	async _checkReady(): Promise<void> {
		if (this.state === 'closing') throw new Error('PGlite is closing')
		if (this.state === 'closed') throw this.failure ?? new Error('PGlite is closed')
	}

	_runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T> {
		return this.queryMutex.runExclusive(fn)
	}

	_runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T> {
		return this.transactionMutex.runExclusive(fn)
	}

	async listen(): Promise<never> {
		throw new Error('LISTEN is not supported by the embedded database thread.')
	}

	/** Waits for running queries and transactions, closes PGlite (writing it out) and ends the thread. */
	async close(): Promise<void> {
		if (this.state === 'closed' || this.state === 'closing') return
		let closing = false
		await this.transactionMutex.runExclusive(() =>
			this.queryMutex.runExclusive(async () => {
				closing = this.state === 'open'
				if (closing) this.state = 'closing'
			}),
		)
		if (!closing) return
		try {
			const id = this.nextId++
			await new Promise<void>((resolve, reject) => {
				this.worker.ref()
				this.pending.set(id, { resolve: () => resolve(), reject })
				this.worker.postMessage({ id, op: 'close' })
			})
		} finally {
			this.state = 'closed'
			await this.worker.terminate()
		}
	}
}

type Request = { op: 'raw'; message: Uint8Array; syncToFs: boolean } | { op: 'query'; text: string; params: unknown[] } | { op: 'sync' } | { op: 'close' }

/** An error from the database's thread; a database error keeps its fields (code, detail …). */
type SerializedError = { name: string; message: string; stack?: string; fields?: Record<string, unknown> }

function revive(serialized: SerializedError): Error {
	const error: Error = serialized.fields ? new protocol.messages.DatabaseError(serialized.message, 0, 'error') : new Error(serialized.message)
	if (serialized.fields) Object.assign(error, serialized.fields)
	else error.name = serialized.name
	if (serialized.stack) error.stack = serialized.stack
	return error
}
