import type * as Y from 'yjs'
import { CLOSE_EVENTS } from '#app/domain/close-codes.ts'
import { ECHO_PRESENCE_BUDGET_PER_S, MAX_QUEUED_BYTES, MAX_QUEUED_MESSAGES, META_MAP, ROOM_UNLOAD_DELAY_MS } from '#app/domain/constants.ts'
import type { LiveNotice } from '#app/domain/sync-admission.ts'
import { AdoptedTextError } from '#app/utils/live-documents.server.ts'
import { closeConnection, newConnection, type Connection, type Identity, type Logger, type SyncSocket } from './connection.ts'
import { GroupCommit, mergeByAuthor, type Author, type LogEntry, type Persistence } from './persistence.ts'
import type { EchoCensus, PresenceSettings } from './presence-pacer.ts'
import { Room } from './room.ts'

/** Sweep presence of vanished clients, and put idle documents to sleep, this often (one timer for all rooms). */
const AWARENESS_SWEEP_MS = 5_000

type Pending = { frames: Uint8Array[]; bytes: number }

type ManagerLifecycle = {
	open(documentId: string): Promise<Room>
	isClosing(): boolean
	maybeUnload(room: Room): void
	logger(): Logger
}

/**
 * One connection as the transport sees it: `receive` for each frame, `close` once. Until its
 * document is loaded it queues what arrives (capped). A class, not closures: it lives as long as
 * the connection, and under tsx every named closure carries its own property store.
 */
export class ConnectionHandle {
	private room: Room | null = null
	private pending: Pending | null = { frames: [], bytes: 0 }

	constructor(
		private readonly manager: ManagerLifecycle,
		private readonly documentId: string,
		private readonly conn: Connection,
	) {}

	open() {
		this.manager.open(this.documentId).then(
			(room) => this.attach(room),
			(error) => this.fail(error),
		)
	}

	receive(frame: Uint8Array) {
		if (this.room) return this.room.receive(this.conn, frame)
		const pending = this.pending
		if (!pending || this.conn.closed) return
		pending.frames.push(frame)
		pending.bytes += frame.byteLength
		if (pending.frames.length > MAX_QUEUED_MESSAGES || pending.bytes > MAX_QUEUED_BYTES) {
			this.pending = null
			closeConnection(this.conn, CLOSE_EVENTS.overloaded)
		}
	}

	close() {
		this.conn.closed = true
		if (!this.room) return
		this.room.leave(this.conn)
		this.manager.maybeUnload(this.room)
	}

	private attach(loaded: Room): void {
		// The room may have been unloaded between being handed out and this callback.
		if (loaded.destroyed && !this.manager.isClosing()) return this.open()
		if (this.conn.closed || loaded.destroyed) return this.manager.maybeUnload(loaded)
		this.room = loaded
		const queued = this.pending!.frames
		this.pending = null
		loaded.join(this.conn, queued)
	}

	private fail(error: unknown) {
		this.manager.logger().error(`[sync] loading document ${this.documentId} failed:`, error)
		closeConnection(this.conn, CLOSE_EVENTS.unavailable)
	}
}

/**
 * The rooms of one process: loads a document on first connection, queues what arrives while
 * it loads (capped), unloads it once the last connection has gone and everything is written.
 */
export class RoomManager {
	readonly rooms = new Map<string, Room>()
	private readonly loading = new Map<string, Promise<Room>>()
	private readonly unloadTimers = new Map<string, ReturnType<typeof setTimeout>>()
	private readonly sweeper: ReturnType<typeof setInterval>
	private closing = false
	/** One group commit for every document: one database write per window for the whole process. */
	readonly log: GroupCommit
	/** Connections of every room that echo presence (Room.echoInterval). */
	private readonly echoCensus: EchoCensus

	constructor(
		private readonly options: {
			persistence: Persistence
			/** Notices for pages listening without a sync socket (the app's event streams). */
			publish?: (documentId: string, notice: LiveNotice) => void
			logger?: Logger
			unloadDelayMs?: number
			/** ECHO_PRESENCE_BUDGET_PER_S, unless a test sets another. */
			echoPresenceBudgetPerS?: number
			presence?: PresenceSettings
			/** MAX_DOCUMENT_BYTES, unless a test sets another. */
			maxDocumentBytes?: number
		},
	) {
		this.echoCensus = { echoing: 0, budgetPerS: options.echoPresenceBudgetPerS ?? ECHO_PRESENCE_BUDGET_PER_S }
		this.log = new GroupCommit({
			write: async (entries) => {
				const rows = mergeByAuthor(entries)
				const lastSeqs = await this.options.persistence.append(rows)
				const byDocument = new Map<string, LogEntry[]>()
				for (const row of rows) byDocument.set(row.documentId, [...(byDocument.get(row.documentId) ?? []), row])
				for (const [documentId, documentRows] of byDocument) {
					const room = this.rooms.get(documentId)
					const lastSeq = lastSeqs.get(documentId)
					if (room && lastSeq !== undefined) room.written(documentRows, lastSeq)
				}
			},
			onError: (error, failures, documents) => {
				this.logger.error(`[sync] storing updates of documents ${documents.join(', ')} failed (${failures}×), kept in memory and retrying:`, error)
			},
		})
		this.sweeper = setInterval(() => {
			const now = Date.now()
			for (const [documentId, room] of this.rooms) {
				// A room closed by damaged storage (Room.readStored) goes; the next connection loads again.
				if (room.destroyed) this.rooms.delete(documentId)
				else {
					room.sweepAwareness(now)
					room.sleepIfUnused(now)
				}
			}
		}, AWARENESS_SWEEP_MS)
		this.sweeper.unref()
	}

	private get logger(): Logger {
		return this.options.logger ?? console
	}

	/** The loaded room of a document, loading it if needed. */
	open(documentId: string): Promise<Room> {
		const timer = this.unloadTimers.get(documentId)
		if (timer) {
			clearTimeout(timer)
			this.unloadTimers.delete(documentId)
		}
		const room = this.rooms.get(documentId)
		if (room && !room.destroyed) return Promise.resolve(room)
		let loading = this.loading.get(documentId)
		if (!loading) {
			const fresh = new Room(documentId, this.options.persistence, this.logger, this.log, this.echoCensus, this.options.presence, this.options.maxDocumentBytes)
			loading = fresh.load().then(
				() => {
					this.rooms.set(documentId, fresh)
					this.loading.delete(documentId)
					return fresh
				},
				(error) => {
					this.loading.delete(documentId)
					fresh.destroy()
					throw error
				},
			)
			this.loading.set(documentId, loading)
		}
		return loading
	}

	/**
	 * Makes a change on the server for someone (web routes: statuses, brackets), loading the
	 * document if nobody has it open; resolves once the change is in the log.
	 */
	async edit<T>(documentId: string, author: Author, change: (doc: Y.Doc) => T, options: { evenIfAdopted?: boolean } = {}): Promise<T> {
		const room = await this.open(documentId)
		try {
			if (!options.evenIfAdopted && room.doc.getMap(META_MAP).get('adopted')) throw new AdoptedTextError()
			const result = room.edit(author, change)
			await room.flushed()
			return result
		} finally {
			this.maybeUnload(room)
		}
	}

	/** Reads a document as it is live (loading it if needed); no transaction, no flush. */
	async read<T>(documentId: string, look: (doc: Y.Doc) => T): Promise<T> {
		const room = await this.open(documentId)
		try {
			return look(room.doc)
		} finally {
			this.maybeUnload(room)
		}
	}

	/** Tells every open page of the document: those with a sync socket, and those listening for events only, that something beside its text changed. */
	notify(documentId: string, notice: LiveNotice) {
		this.rooms.get(documentId)?.notify(notice)
		this.options.publish?.(documentId, notice)
	}

	/**
	 * Attaches a socket to a document. Returns the handlers the transport calls for each frame
	 * and on close; frames that arrive before the document is loaded are queued.
	 */
	connect(documentId: string, socket: SyncSocket, identity: Identity, options: { wantsAcks?: boolean } = {}): ConnectionHandle {
		const conn = newConnection(socket, identity, options.wantsAcks ?? false)
		const handle = new ConnectionHandle(this.lifecycle, documentId, conn)
		if (this.closing) closeConnection(conn, CLOSE_EVENTS.serverRestarting)
		else handle.open()
		return handle
	}

	/** What a ConnectionHandle needs of its manager (no closures per connection). */
	private readonly lifecycle: ManagerLifecycle = {
		open: (documentId) => this.open(documentId),
		isClosing: () => this.closing,
		maybeUnload: (room) => this.maybeUnload(room),
		logger: () => this.logger,
	}

	private maybeUnload(room: Room) {
		if (room.connections.size > 0 || room.destroyed || this.unloadTimers.has(room.documentId)) return
		this.unloadTimers.set(
			room.documentId,
			setTimeout(() => {
				this.unloadTimers.delete(room.documentId)
				void this.unload(room)
			}, this.options.unloadDelayMs ?? ROOM_UNLOAD_DELAY_MS),
		)
	}

	/** Writes everything, checkpoints, and frees the room if nobody came back meanwhile. */
	private async unload(room: Room) {
		await room.flushed()
		if (room.connections.size > 0 || room.destroyed) return
		await room.checkpoint()
		if (room.connections.size > 0 || room.destroyed || room.isDirty) return
		if (this.rooms.get(room.documentId) === room) this.rooms.delete(room.documentId)
		room.destroy()
	}

	/**
	 * Shutdown: write every room first (so the last acknowledgements still reach the pages),
	 * then close every connection (1001: clients reconnect), checkpoint and free the rooms.
	 */
	async closeAll() {
		this.closing = true
		clearInterval(this.sweeper)
		for (const timer of this.unloadTimers.values()) clearTimeout(timer)
		this.unloadTimers.clear()
		await Promise.allSettled([...this.loading.values()])
		const rooms = [...this.rooms.values()]
		await Promise.all(rooms.map((room) => room.flushed()))
		for (const room of rooms) {
			for (const conn of [...room.connections]) {
				closeConnection(conn, CLOSE_EVENTS.serverRestarting)
				room.leave(conn)
			}
		}
		await Promise.all(
			rooms.map(async (room) => {
				await room.flushed()
				await room.checkpoint()
				this.rooms.delete(room.documentId)
				room.destroy()
			}),
		)
		this.log.dispose()
	}
}
