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
 * Y.mergeUpdates is cheap per update in chunks of up to a few hundred, but its cost grows about
 * quadratically beyond. A burst is merged in chunks of this size.
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

/** Someone waiting for the entries that were unwritten when they asked: how many are left, per document. */
type Waiter = { left: Map<string, number>; resolve: () => void }
/** A document whose last write failed: how many times in a row, and when to try again. */
type Failing = { failures: number; retryAt: number }

/**
 * Group commit of the update log, for every document of the process. Entries are written
 * together once per window (`GROUP_COMMIT_WINDOW_MS`), so a conference costs one write per
 * window, not one per keystroke or per document, and an accepted edit is on disk within the
 * window. (The embedded database runs on the event loop's thread: each write it does not
 * have to make is time the fan-out gets back.)
 *
 * A failed write is tried again document by document, so that rows the database refuses for
 * one document (it was deleted under an open room) do not hold up every other document. A
 * document whose write failed keeps its entries in memory, ahead of its newer ones, and is
 * retried with backoff up to STORE_MAX_ATTEMPTS times in a row; then retrying it pauses until
 * its next change or a flush asks again. Nothing is dropped while the process lives (the room
 * stays loaded while anything is unwritten). `flushed()` resolves once everything added before
 * the call (for one document, or for all) is written.
 */
export class GroupCommit {
	private pending: DocumentLogEntry[] = []
	/** Entries not yet written, per document (only documents with some). */
	private readonly unwritten = new Map<string, number>()
	private readonly failing = new Map<string, Failing>()
	private waiters: Waiter[] = []
	private timer: ReturnType<typeof setTimeout> | null = null
	private timerAt = Infinity
	private writing = false

	constructor(
		private readonly options: {
			write: (entries: DocumentLogEntry[]) => Promise<void>
			windowMs?: number
			/** A write failed: the documents whose entries are kept for a retry, and the most failures in a row among them. */
			onError?: (error: unknown, failures: number, documentIds: string[]) => void
		},
	) {}

	get pendingCount(): number {
		return this.pending.length
	}

	/** Anything not yet written (for one document, or at all). */
	isDirty(documentId?: string): boolean {
		if (documentId !== undefined) return this.unwritten.has(documentId)
		return this.unwritten.size > 0
	}

	add(entry: DocumentLogEntry) {
		this.pending.push(entry)
		this.unwritten.set(entry.documentId, (this.unwritten.get(entry.documentId) ?? 0) + 1)
		const failing = this.failing.get(entry.documentId)
		if (!failing) return this.schedule(this.windowMs)
		// A document whose retries had paused is tried again (with backoff) now that it changed.
		if (failing.retryAt === Infinity) failing.retryAt = Date.now() + retryDelay(failing.failures)
		this.schedule(failing.retryAt - Date.now())
	}

	/** Resolves when every entry added so far (of this document, or of all) is written. */
	flushed(documentId?: string): Promise<void> {
		const left = new Map<string, number>()
		for (const [id, count] of this.unwritten) if (documentId === undefined || id === documentId) left.set(id, count)
		if (left.size === 0) return Promise.resolve()
		return new Promise((resolve) => this.waiters.push({ left, resolve }))
	}

	/**
	 * Writes what is pending now, without waiting for the window; a document in backoff keeps
	 * its retry time, one whose retries had paused is tried now.
	 */
	flushNow(documentId?: string): Promise<void> {
		const done = this.flushed(documentId)
		if (this.pending.length === 0) return done
		const now = Date.now()
		for (const [id, failing] of this.failing) {
			if ((documentId === undefined || id === documentId) && failing.retryAt === Infinity) failing.retryAt = now
		}
		this.schedule(this.nextDue(now) - now)
		return done
	}

	private get windowMs(): number {
		return this.options.windowMs ?? GROUP_COMMIT_WINDOW_MS
	}

	/** When the earliest pending entry may be written: now, or a failing document's retry time. */
	private nextDue(now: number): number {
		let at = Infinity
		for (const entry of this.pending) {
			const failing = this.failing.get(entry.documentId)
			if (!failing) return now
			at = Math.min(at, failing.retryAt)
		}
		return at
	}

	/** Writes in `delayMs`, or sooner if a write is already due sooner. */
	private schedule(delayMs: number) {
		if (this.writing || !Number.isFinite(delayMs)) return
		const at = Date.now() + Math.max(0, delayMs)
		if (this.timer && this.timerAt <= at) return
		if (this.timer) clearTimeout(this.timer)
		this.timerAt = at
		this.timer = setTimeout(() => void this.write(), Math.max(0, delayMs))
	}

	private async write() {
		this.timer = null
		this.timerAt = Infinity
		if (this.writing || this.pending.length === 0) return
		const now = Date.now()
		// Documents in backoff wait; everything else goes in this write.
		const batch: DocumentLogEntry[] = []
		const held: DocumentLogEntry[] = []
		for (const entry of this.pending) ((this.failing.get(entry.documentId)?.retryAt ?? 0) > now ? held : batch).push(entry)
		this.pending = held
		if (batch.length === 0) return this.afterWrite()
		this.writing = true
		const failed: DocumentLogEntry[] = []
		const failedDocuments: string[] = []
		let firstError: unknown = null
		try {
			await this.options.write(batch)
			this.written(batch)
		} catch (error) {
			firstError = error
			const byDocument = groupByDocument(batch)
			if (byDocument.size === 1) {
				failed.push(...batch)
				failedDocuments.push(batch[0]!.documentId)
			} else {
				// Which documents' rows does the database refuse? Each is written on its own.
				for (const [documentId, entries] of byDocument) {
					try {
						await this.options.write(entries)
						this.written(entries)
					} catch {
						failed.push(...entries)
						failedDocuments.push(documentId)
					}
				}
			}
		}
		this.writing = false
		if (failed.length > 0) {
			// Ahead of what arrived meanwhile: a document's entries stay in the order they came.
			this.pending = failed.concat(this.pending)
			const at = Date.now()
			let most = 0
			for (const documentId of failedDocuments) {
				const failing = this.failing.get(documentId) ?? { failures: 0, retryAt: 0 }
				failing.failures++
				failing.retryAt = failing.failures % STORE_MAX_ATTEMPTS === 0 ? Infinity : at + retryDelay(failing.failures)
				this.failing.set(documentId, failing)
				most = Math.max(most, failing.failures)
			}
			this.options.onError?.(firstError, most, failedDocuments)
		}
		this.afterWrite()
	}

	/**
	 * Counts entries as written and wakes whoever waited for them. A document's entries are
	 * written in the order they were added, so a waiter's are the first ones written after it asked.
	 */
	private written(entries: DocumentLogEntry[]) {
		const byDocument = new Map<string, number>()
		for (const entry of entries) byDocument.set(entry.documentId, (byDocument.get(entry.documentId) ?? 0) + 1)
		for (const [documentId, count] of byDocument) {
			this.failing.delete(documentId)
			const left = (this.unwritten.get(documentId) ?? count) - count
			if (left > 0) this.unwritten.set(documentId, left)
			else this.unwritten.delete(documentId)
		}
		this.waiters = this.waiters.filter((waiter) => {
			for (const [documentId, count] of byDocument) {
				const left = waiter.left.get(documentId)
				if (left === undefined) continue
				if (left > count) waiter.left.set(documentId, left - count)
				else waiter.left.delete(documentId)
			}
			if (waiter.left.size > 0) return true
			waiter.resolve()
			return false
		})
	}

	private afterWrite() {
		if (this.pending.length === 0) return
		const now = Date.now()
		const due = this.nextDue(now)
		// Healthy entries that arrived during the write wait for the next window, as always.
		this.schedule(due <= now ? this.windowMs : due - now)
	}

	/** Stops timers (after a final flush); entries still pending stay where they are. */
	dispose() {
		if (this.timer) clearTimeout(this.timer)
		this.timer = null
		this.timerAt = Infinity
	}
}

function groupByDocument(entries: DocumentLogEntry[]): Map<string, DocumentLogEntry[]> {
	const byDocument = new Map<string, DocumentLogEntry[]>()
	for (const entry of entries) {
		const list = byDocument.get(entry.documentId)
		if (list) list.push(entry)
		else byDocument.set(entry.documentId, [entry])
	}
	return byDocument
}

/** The wait before a document's next try after `failures` failures in a row: doubling, capped. */
function retryDelay(failures: number): number {
	return Math.min(STORE_RETRY_INITIAL_MS * 2 ** (failures - 1), STORE_RETRY_MAX_MS)
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
