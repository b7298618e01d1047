import * as Y from 'yjs'
import {
	GROUP_COMMIT_WINDOW_MS,
	STORE_MAX_ATTEMPTS,
	STORE_RETRY_INITIAL_MS,
	STORE_RETRY_MAX_MS,
} from '#app/domain/constants.ts'

/** Who made a change: the log keeps it for the audit trail. */
export type Author = { userId: string | null; delegationId: string | null }

export type LogEntry = Author & { data: Uint8Array }

/** A log entry on its way to the database, with the document it belongs to. */
export type DocumentLogEntry = LogEntry & { documentId: string }

/** What loading a document from storage gives: a checkpoint (if any) and the log tail after it. */
export type StoredDocument = {
	checkpoint: Uint8Array | null
	tail: Uint8Array[]
	/** Position of the last log row read (null when the log is empty). */
	lastSeq: bigint | null
}

/**
 * Storage of one sync server, injected so that rooms can run on a database (production,
 * integration tests) or in memory (unit tests). Implementations must be safe to call
 * concurrently for different documents.
 */
export interface Persistence {
	load(documentId: string): Promise<StoredDocument>
	/**
	 * Appends the rows of several documents in one write (one statement, one transaction);
	 * returns the position of the last row of each document.
	 */
	append(rows: DocumentLogEntry[]): Promise<Map<string, bigint>>
	/** Stores the merged state covering the log up to and including `upToSeq`. */
	checkpoint(documentId: string, state: Uint8Array, upToSeq: bigint): Promise<void>
}

/** Builds the document a stored checkpoint and tail describe. */
export function applyStored(doc: Y.Doc, stored: StoredDocument, origin: unknown = 'storage') {
	doc.transact(() => {
		if (stored.checkpoint) Y.applyUpdate(doc, stored.checkpoint)
		for (const update of stored.tail) Y.applyUpdate(doc, update)
	}, origin)
}

/**
 * Y.mergeUpdates costs ~2 µs per update in chunks of up to a few hundred, but grows about
 * quadratically beyond (2,500 updates: ~80 µs each). A burst is merged in chunks of this size.
 */
export const MERGE_CHUNK_UPDATES = 128

/** Merges updates in bounded chunks: one update per chunk. */
export function mergeInChunks(updates: Uint8Array[]): Uint8Array[] {
	if (updates.length <= 1) return updates
	const merged: Uint8Array[] = []
	for (let i = 0; i < updates.length; i += MERGE_CHUNK_UPDATES) {
		const chunk = updates.slice(i, i + MERGE_CHUNK_UPDATES)
		merged.push(chunk.length === 1 ? chunk[0]! : Y.mergeUpdates(chunk))
	}
	return merged
}

/**
 * Merges a window's entries into one row per document and author (fewer rows, same content,
 * same attribution), in the order documents and authors first appear.
 */
export function mergeByAuthor(entries: DocumentLogEntry[]): DocumentLogEntry[] {
	const byAuthor = new Map<string, DocumentLogEntry[]>()
	for (const entry of entries) {
		const key = `${entry.documentId}\u0000${entry.userId ?? ''}\u0000${entry.delegationId ?? ''}`
		const list = byAuthor.get(key)
		if (list) list.push(entry)
		else byAuthor.set(key, [entry])
	}
	return [...byAuthor.values()].flatMap((list) =>
		list.length === 1
			? list
			: mergeInChunks(list.map((e) => e.data)).map((data) => ({ documentId: list[0]!.documentId, userId: list[0]!.userId, delegationId: list[0]!.delegationId, data })),
	)
}

type Waiter = { generation: number; resolve: () => void }

/**
 * Group commit of the update log, for every document of the process. Entries are written
 * together once per window (`GROUP_COMMIT_WINDOW_MS`), so a conference costs one write per
 * window, not one per keystroke or per document, and an accepted edit is on disk within the
 * window. (The embedded database runs on the event loop's thread: each write it does not
 * have to make is time the fan-out gets back.)
 *
 * A failed write keeps its entries in memory, ahead of newer ones, and is retried with
 * backoff up to STORE_MAX_ATTEMPTS times in a row; then retrying pauses until the next change
 * or flush asks again. Nothing is dropped while the process lives (the room stays loaded while
 * anything is unwritten). `flushed()` resolves once everything added before the call is written.
 */
export class GroupCommit {
	private pending: DocumentLogEntry[] = []
	/** Entries added and not yet written, per document. */
	private readonly unwritten = new Map<string, number>()
	private added = 0
	private written = 0
	private waiters: Waiter[] = []
	private timer: ReturnType<typeof setTimeout> | null = null
	private writing = false
	private retryMs = STORE_RETRY_INITIAL_MS
	private failures = 0

	constructor(
		private readonly options: {
			write: (entries: DocumentLogEntry[]) => Promise<void>
			windowMs?: number
			onError?: (error: unknown, failures: number) => void
		},
	) {}

	get pendingCount(): number {
		return this.pending.length
	}

	/** Anything not yet written (for one document, or at all). */
	isDirty(documentId?: string): boolean {
		if (documentId !== undefined) return (this.unwritten.get(documentId) ?? 0) > 0
		return this.written < this.added
	}

	add(entry: DocumentLogEntry) {
		this.pending.push(entry)
		this.unwritten.set(entry.documentId, (this.unwritten.get(entry.documentId) ?? 0) + 1)
		this.added++
		this.schedule(this.failures > 0 ? this.retryMs : (this.options.windowMs ?? GROUP_COMMIT_WINDOW_MS))
	}

	/** Resolves when every entry added so far is written. */
	flushed(): Promise<void> {
		if (this.written >= this.added) return Promise.resolve()
		return new Promise((resolve) => this.waiters.push({ generation: this.added, resolve }))
	}

	/** Writes what is pending now, without waiting for the window (or the retry backoff). */
	flushNow(): Promise<void> {
		const done = this.flushed()
		if (this.pending.length > 0) this.schedule(this.failures > 0 ? this.retryMs : 0, true)
		return done
	}

	private schedule(delayMs: number, replace = false) {
		if (this.writing) return
		if (this.timer && !replace) return
		if (this.timer) clearTimeout(this.timer)
		this.timer = setTimeout(() => void this.write(), delayMs)
	}

	private async write() {
		this.timer = null
		if (this.writing || this.pending.length === 0) return
		this.writing = true
		const batch = this.pending
		const generation = this.added
		this.pending = []
		try {
			await this.options.write(batch)
			for (const entry of batch) {
				const left = (this.unwritten.get(entry.documentId) ?? 1) - 1
				if (left > 0) this.unwritten.set(entry.documentId, left)
				else this.unwritten.delete(entry.documentId)
			}
			this.written = generation
			this.failures = 0
			this.retryMs = STORE_RETRY_INITIAL_MS
			this.waiters = this.waiters.filter((w) => {
				if (w.generation > generation) return true
				w.resolve()
				return false
			})
		} catch (error) {
			// Keep the failed entries ahead of anything that arrived meanwhile.
			this.pending = batch.concat(this.pending)
			this.failures++
			this.options.onError?.(error, this.failures)
			this.writing = false
			if (this.failures % STORE_MAX_ATTEMPTS !== 0) {
				this.schedule(this.retryMs, true)
				this.retryMs = Math.min(this.retryMs * 2, STORE_RETRY_MAX_MS)
			}
			return
		}
		this.writing = false
		if (this.pending.length > 0) this.schedule(this.options.windowMs ?? GROUP_COMMIT_WINDOW_MS)
	}

	/** Stops timers (after a final flush); entries still pending stay where they are. */
	dispose() {
		if (this.timer) clearTimeout(this.timer)
		this.timer = null
	}
}

/** Persistence kept in memory: unit tests and the in-memory benchmark peer. */
export function createMemoryPersistence(): Persistence & {
	logs: Map<string, { seq: bigint; entry: LogEntry }[]>
	checkpoints: Map<string, { state: Uint8Array; upToSeq: bigint }>
} {
	const logs = new Map<string, { seq: bigint; entry: LogEntry }[]>()
	const checkpoints = new Map<string, { state: Uint8Array; upToSeq: bigint }>()
	let seq = 0n
	return {
		logs,
		checkpoints,
		async load(documentId) {
			const cp = checkpoints.get(documentId)
			const rows = (logs.get(documentId) ?? []).filter((r) => !cp || r.seq > cp.upToSeq)
			const all = logs.get(documentId) ?? []
			return {
				checkpoint: cp?.state ?? null,
				tail: rows.map((r) => r.entry.data),
				lastSeq: all.length ? all[all.length - 1]!.seq : null,
			}
		},
		async append(rows) {
			const last = new Map<string, bigint>()
			for (const { documentId, ...entry } of rows) {
				const log = logs.get(documentId) ?? []
				log.push({ seq: ++seq, entry })
				logs.set(documentId, log)
				last.set(documentId, seq)
			}
			return last
		},
		async checkpoint(documentId, state, upToSeq) {
			checkpoints.set(documentId, { state, upToSeq })
		},
	}
}
