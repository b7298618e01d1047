import * as Y from 'yjs'
import { CHECKPOINT_DEBOUNCE_MS, CHECKPOINT_EVERY_ROWS, ROOM_SLEEP_AFTER_MS } from '#app/domain/constants.ts'
import type { Logger } from './connection.ts'
import { applyStored, type LogEntry, type Persistence, type StoredDocument as Stored } from './persistence.ts'
import { EMPTY_UPDATE, mergeStateVectorInto } from './protocol.ts'

/** What the document tells its room: each change made to it, and that its stored bytes cannot be read. */
export type DocumentHooks = {
	onUpdate(update: Uint8Array, origin: unknown): void
	onUnreadable(error: unknown): void
}

/**
 * One document as it is kept in memory and on disk: loaded from its checkpoint and log, what of
 * it is on disk (per Yjs client), and its checkpoints.
 *
 * It is kept in one of two forms. Loaded whole from storage (a checkpoint, or a single log row)
 * it stays encoded: joins are answered from those bytes (the whole of them, or Y.diffUpdate for a
 * client that holds part), and nothing is built until a change or a read needs the Yjs document
 * (`doc`). A built document nobody has used for ROOM_SLEEP_AFTER_MS goes back to its encoded
 * form (`sleepIfUnused`): an idle document costs its bytes, outside the JavaScript heap, not a
 * Y.Doc several times larger.
 */
export class StoredDocument {
	/** The Yjs document while built; null while the document is kept encoded. */
	private built: Y.Doc | null = null
	/** The whole document encoded, while not built; and its state vector, once asked for. */
	private encoded: Uint8Array | null = EMPTY_UPDATE
	private encodedStateVector: Uint8Array | null = null
	/** The server's own Yjs client id, kept across rebuilds (a new id per build would grow every state vector). */
	private serverClientId: number | null = null
	/** When the built document was last used (a change, a read, an answer that needed it). */
	private usedAt = 0
	/**
	 * The whole document encoded, until the next change: a burst of joins encodes it once. Held
	 * weakly, so an idle document does not keep a second copy of itself in memory.
	 */
	private fullState: WeakRef<Uint8Array> | null = null
	/** Per Yjs client id, the clock up to which its changes are in the database. */
	private readonly persisted = new Map<number, number>()
	/** What was loaded is on disk too: merged into `persisted` when first needed (see load). */
	private loadedNotCounted = false
	private lastSeq: bigint | null = null
	private rowsSinceCheckpoint = 0
	/** The stored form's size: the last checkpoint or load, and the accepted changes since. */
	sizeBytes = 0
	private lastCheckpointAt = 0
	private checkpointing: Promise<void> | null = null
	private checkpointTimer: ReturnType<typeof setTimeout> | null = null
	private destroyed = false

	constructor(
		readonly documentId: string,
		private readonly persistence: Persistence,
		private readonly logger: Logger,
		private readonly hooks: DocumentHooks,
	) {}

	/** The Yjs document, built from its encoded form if it is not built. */
	get doc(): Y.Doc {
		this.usedAt = Date.now()
		if (this.built) return this.built
		this.countLoaded()
		const encoded = this.encoded
		// The guid is Yjs's own name for a document (the default draws a UUID from WebCrypto);
		// the document's id serves.
		const doc = new Y.Doc({ guid: this.documentId })
		if (this.serverClientId !== null) doc.clientID = this.serverClientId
		else this.serverClientId = doc.clientID
		if (encoded) this.readStored(() => Y.applyUpdate(doc, encoded, 'storage'))
		// An anonymous arrow calling a method: under tsx each named closure carries its own
		// property store, and a document lives as long as it is loaded.
		doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === 'storage') return
			this.fullState = null
			this.hooks.onUpdate(update, origin)
		})
		// Until the next change, the encoded form is the answer to a new client.
		if (this.encoded) this.fullState = new WeakRef(this.encoded)
		this.encoded = null
		this.encodedStateVector = null
		this.built = doc
		return doc
	}

	/** Whether the Yjs document is built (else it is kept encoded). */
	get isBuilt(): boolean {
		return this.built !== null
	}

	/** Whether the server's sync step 1 is at hand (else it means reading the whole stored history). */
	get hasStateVector(): boolean {
		return this.built !== null || this.encodedStateVector !== null
	}

	/**
	 * Puts a built document nobody used for ROOM_SLEEP_AFTER_MS back into its encoded form.
	 * Nothing is lost: the encoding is the whole document, and what the log has not written yet
	 * is held by the group commit, not by the document. `busy`: the room has something to send.
	 */
	sleepIfUnused(now: number, busy: boolean): boolean {
		const doc = this.built
		if (!doc || this.destroyed || busy || now - this.usedAt < ROOM_SLEEP_AFTER_MS) return false
		this.encoded = this.fullState?.deref() ?? Y.encodeStateAsUpdate(doc)
		this.fullState = null
		this.built = null
		doc.destroy()
		return true
	}

	/** Counts what was loaded as on disk (from the stored bytes, before any change is applied). */
	private countLoaded() {
		if (!this.loadedNotCounted) return
		this.loadedNotCounted = false
		mergeStateVectorInto(this.persisted, Y.decodeStateVector(this.stateVector()))
	}

	stateVector(): Uint8Array {
		if (this.built) return Y.encodeStateVector(this.built)
		const encoded = this.encoded!
		return (this.encodedStateVector ??= this.readStored(() => Y.encodeStateVectorFromUpdate(encoded)))
	}

	/**
	 * Reads the stored bytes the document is kept as. Bytes that cannot be read (damaged on disk)
	 * are the room's to handle (it closes every connection, blaming no client; the next
	 * connection loads the document again): StoredStateError.
	 */
	private readStored<T>(read: () => T): T {
		try {
			return read()
		} catch (error) {
			if (!this.destroyed) {
				this.logger.error(`[sync] the stored state of document ${this.documentId} cannot be read; closing its connections:`, error)
				this.hooks.onUnreadable(error)
			}
			throw new StoredStateError(this.documentId, error)
		}
	}

	/** What a client with this state vector lacks; for a new client, the cached whole document. */
	missingFrom(stateVector: Uint8Array): Uint8Array {
		const sv = Y.decodeStateVector(stateVector)
		const encoded = this.encoded
		if (encoded) return sv.size === 0 ? encoded : this.readStored(() => Y.diffUpdate(encoded, stateVector))
		if (sv.size === 0) {
			const cached = this.fullState?.deref()
			if (cached) return cached
			const whole = Y.encodeStateAsUpdate(this.doc)
			this.fullState = new WeakRef(whole)
			return whole
		}
		return Y.encodeStateAsUpdate(this.doc, stateVector)
	}

	/** How far each of these clients' changes are on disk. */
	savedClocks(clients: Iterable<number>): Map<number, number> {
		this.countLoaded()
		const saved = new Map<number, number>()
		for (const client of clients) saved.set(client, this.persisted.get(client) ?? 0)
		return saved
	}

	/**
	 * Reads the document from storage. Stored whole (a checkpoint alone, a single log row, or
	 * nothing yet), it is kept as those bytes; a checkpoint with a tail is built (merging them
	 * takes a Yjs document).
	 */
	async load() {
		const stored = await this.persistence.load(this.documentId)
		const whole = wholeOf(stored)
		this.sizeBytes = (stored.checkpoint?.length ?? 0) + stored.tail.reduce((sum, row) => sum + row.length, 0)
		if (whole) {
			this.encoded = whole
			// Everything loaded is on disk. Counted when first needed (always before a build):
			// reading the state vector of a long stored history is slow, and the first join need
			// not wait for it.
			this.loadedNotCounted = true
		} else {
			this.encoded = null
			const doc = this.doc
			applyStored(doc, stored)
			mergeStateVectorInto(this.persisted, Y.decodeStateVector(Y.encodeStateVector(doc)))
		}
		this.lastSeq = stored.lastSeq
		this.rowsSinceCheckpoint = stored.tail.length
		// A long tail means loading is slow: write a checkpoint so the next load is fast.
		if (stored.tail.length >= CHECKPOINT_EVERY_ROWS) this.scheduleCheckpoint(0)
	}

	/** The group commit wrote these rows of this document; the last has position `lastSeq`. */
	written(rows: LogEntry[], lastSeq: bigint) {
		if (this.destroyed) return
		this.lastSeq = lastSeq
		this.rowsSinceCheckpoint += rows.length
		this.countLoaded()
		for (const row of rows) mergeStateVectorInto(this.persisted, Y.parseUpdateMeta(row.data).to)
		if (this.rowsSinceCheckpoint < CHECKPOINT_EVERY_ROWS) return
		this.scheduleCheckpoint(Math.max(0, this.lastCheckpointAt + CHECKPOINT_DEBOUNCE_MS - Date.now()))
	}

	private scheduleCheckpoint(delayMs: number) {
		if (this.checkpointTimer || this.checkpointing) return
		this.checkpointTimer = setTimeout(() => {
			this.checkpointTimer = null
			void this.checkpoint()
		}, delayMs)
	}

	/**
	 * Writes the merged state in the background. The state is encoded after the log position
	 * is read, so it covers at least every row up to that position (it may hold a few more
	 * updates not yet logged: applying those again on load is harmless, Yjs is idempotent).
	 */
	checkpoint(): Promise<void> {
		if (this.checkpointing) return this.checkpointing
		const upToSeq = this.lastSeq
		if (upToSeq === null || this.rowsSinceCheckpoint === 0) return Promise.resolve()
		const rows = this.rowsSinceCheckpoint
		const state = this.built ? Y.encodeStateAsUpdate(this.built) : this.encoded!
		this.sizeBytes = state.length
		this.checkpointing = this.persistence
			.checkpoint(this.documentId, state, upToSeq)
			.then(() => {
				this.rowsSinceCheckpoint -= rows
				this.lastCheckpointAt = Date.now()
			})
			.catch((error) => this.logger.error(`[sync] checkpoint of document ${this.documentId} failed (the log is intact):`, error))
			.finally(() => {
				this.checkpointing = null
			})
		return this.checkpointing
	}

	destroy() {
		this.destroyed = true
		if (this.checkpointTimer) clearTimeout(this.checkpointTimer)
		this.built?.destroy()
		this.built = null
		this.encoded = null
	}
}

/** The whole document, if storage holds it as one piece: a checkpoint alone, a single log row, or nothing yet. */
function wholeOf(stored: Stored): Uint8Array | null {
	if (stored.tail.length === 0) return stored.checkpoint ?? EMPTY_UPDATE
	if (!stored.checkpoint && stored.tail.length === 1) return stored.tail[0]!
	return null
}

/** A document's stored bytes could not be read (StoredDocument.readStored). */
export class StoredStateError extends Error {
	constructor(documentId: string, cause: unknown) {
		super(`The stored state of document ${documentId} cannot be read`, { cause })
	}
}
