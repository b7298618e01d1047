import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import {
	CHECKPOINT_DEBOUNCE_MS,
	CHECKPOINT_EVERY_ROWS,
	MAX_QUEUED_BYTES,
	MAX_QUEUED_MESSAGES,
	ROOM_UNLOAD_DELAY_MS,
} from '#app/domain/constants.ts'
import type { DocumentAccess } from '#app/domain/permissions.ts'
import { AwarenessStore, encodeAwarenessEntries, type AwarenessEntry } from './awareness.ts'
import { applyStored, GroupCommit, mergeInChunks, type Persistence } from './persistence.ts'
import {
	decodeClientMessage,
	encodeAwareness,
	encodePermissionDenied,
	encodeSaved,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeUpdate,
	mergeStateVectorInto,
	ProtocolError,
	updateWouldChange,
} from './protocol.ts'

/** Sweep presence of vanished clients this often (one timer for all rooms). */
const AWARENESS_SWEEP_MS = 5_000

/** All a room needs of a socket, so rooms run in unit tests without a network. */
export interface SyncSocket {
	send(data: Uint8Array): void
	close(code: number, reason: string): void
}

/** Who is on the other end of a connection, as authenticated at the upgrade. */
export type Identity = {
	userId: string
	name: string
	delegationId: string
	delegationCode: string
	color: string
	access: DocumentAccess
}

export type Logger = Pick<Console, 'info' | 'warn' | 'error'>

export type Connection = {
	readonly socket: SyncSocket
	readonly identity: Identity
	/** Accord's own client asks for MESSAGE_SAVED acknowledgements. */
	readonly wantsAcks: boolean
	/** Clocks of this connection's changes, and of those known to be on disk. */
	readonly unsaved: Map<number, number>
	readonly saved: Map<number, number>
	ackSerial: number
	closed: boolean
}

/**
 * One loaded document and the connections editing it. Moves Yjs bytes, enforces read-only,
 * stamps presence with the authenticated identity, and hands accepted changes to the update
 * log's group commit. Nothing else: comments, approvals and rules live in the app.
 */
export class Room {
	readonly doc = new Y.Doc()
	readonly awareness = new AwarenessStore<Connection>()
	readonly connections = new Set<Connection>()
	private readonly log: GroupCommit
	/** What to send at the end of this tick: coalesced into one update and one awareness frame. */
	private outUpdates: { update: Uint8Array; origin: Connection | null }[] = []
	private outAwareness = new Map<number, AwarenessEntry>()
	private flushScheduled = false
	/** The whole document encoded, kept until the next change: a burst of joins encodes it once. */
	private fullState: Uint8Array | null = null
	private lastSeq: bigint | null = null
	private rowsSinceCheckpoint = 0
	private lastCheckpointAt = 0
	private checkpointing: Promise<void> | null = null
	private checkpointTimer: ReturnType<typeof setTimeout> | null = null
	destroyed = false

	constructor(
		readonly documentId: string,
		private readonly persistence: Persistence,
		private readonly logger: Logger,
	) {
		this.log = new GroupCommit({
			write: async (rows) => {
				this.lastSeq = await this.persistence.append(this.documentId, rows)
				this.rowsSinceCheckpoint += rows.length
				this.maybeCheckpoint()
			},
			onError: (error, failures) =>
				this.logger.error(`[sync] storing updates of document ${this.documentId} failed (${failures}×), kept in memory and retrying:`, error),
		})
		this.doc.on('update', this.onDocUpdate)
	}

	async load() {
		const stored = await this.persistence.load(this.documentId)
		applyStored(this.doc, stored)
		// Loaded from a checkpoint alone, the checkpoint is the encoded document: the first join
		// after a restart sends it as it is.
		if (stored.checkpoint && stored.tail.length === 0) this.fullState = stored.checkpoint
		this.lastSeq = stored.lastSeq
		this.rowsSinceCheckpoint = stored.tail.length
		// A long tail means loading is slow: write a checkpoint so the next load is fast.
		if (stored.tail.length >= CHECKPOINT_EVERY_ROWS) this.scheduleCheckpoint(0)
	}

	get isDirty(): boolean {
		return this.log.isDirty
	}

	join(conn: Connection) {
		this.connections.add(conn)
		send(conn, encodeSyncStep1(Y.encodeStateVector(this.doc)))
		if (this.awareness.size > 0) send(conn, encodeAwareness(encodeAwarenessEntries(this.awareness.all())))
	}

	leave(conn: Connection) {
		if (!this.connections.delete(conn)) return
		this.queueAwareness(this.awareness.removeOwnedBy(conn))
	}

	/** Forgets presence of clients that vanished without a word. */
	sweepAwareness(now = Date.now()) {
		this.queueAwareness(this.awareness.sweep(now))
	}

	/** Handles one frame. A frame that does not decode closes this connection only. */
	receive(conn: Connection, frame: Uint8Array) {
		if (conn.closed) return
		try {
			const message = decodeClientMessage(frame)
			switch (message.type) {
				case 'sync-step1':
					send(conn, encodeSyncStep2(this.missingFrom(message.stateVector)))
					break
				case 'sync-step2':
				case 'update':
					this.receiveUpdate(conn, message.update)
					break
				case 'awareness':
					this.receiveAwareness(conn, message.update)
					break
				case 'query-awareness':
					send(conn, encodeAwareness(encodeAwarenessEntries(this.awareness.all())))
					break
			}
		} catch (error) {
			const reason = error instanceof ProtocolError ? error.message : `bad update: ${(error as Error).message}`
			this.logger.warn(`[sync] closing connection of ${conn.identity.delegationCode}/${conn.identity.userId} on document ${this.documentId}: ${reason}`)
			closeConnection(conn, CLOSE_CODES.badMessage, 'Malformed message')
			this.leave(conn)
		}
	}

	/** What a client with this state vector lacks; for a new client, the cached whole document. */
	private missingFrom(stateVector: Uint8Array): Uint8Array {
		const sv = Y.decodeStateVector(stateVector)
		if (sv.size === 0) return (this.fullState ??= Y.encodeStateAsUpdate(this.doc))
		return Y.encodeStateAsUpdate(this.doc, stateVector)
	}

	private receiveUpdate(conn: Connection, update: Uint8Array) {
		if (conn.identity.access !== 'edit') {
			if (updateWouldChange(this.doc, update)) {
				send(conn, encodePermissionDenied('This document is read-only for your delegation.'))
			}
			return
		}
		Y.applyUpdate(this.doc, update, conn)
		if (conn.wantsAcks) this.acknowledgeWhenSaved(conn, update)
	}

	/** Tells Accord's client which of its changes are on disk, once the group commit has them. */
	private acknowledgeWhenSaved(conn: Connection, update: Uint8Array) {
		mergeStateVectorInto(conn.unsaved, Y.parseUpdateMeta(update).to)
		const covered = new Map(conn.unsaved)
		const serial = ++conn.ackSerial
		void this.log.flushed().then(() => {
			mergeStateVectorInto(conn.saved, covered)
			// Earlier waiters resolve first; only the latest one sends, with everything saved so far.
			if (serial === conn.ackSerial && !conn.closed) send(conn, encodeSaved(conn.saved))
		})
	}

	private receiveAwareness(conn: Connection, update: Uint8Array) {
		this.queueAwareness(this.awareness.apply(update, conn, (state) => stampState(state, conn.identity)))
	}

	private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === 'storage') return
		this.fullState = null
		const author = isConnection(origin) ? origin : null
		this.outUpdates.push({ update, origin: author })
		this.scheduleFlush()
		this.log.add({ data: update, userId: author?.identity.userId ?? null, delegationId: author?.identity.delegationId ?? null })
	}

	private queueAwareness(entries: AwarenessEntry[]) {
		if (entries.length === 0) return
		for (const entry of entries) this.outAwareness.set(entry.clientId, entry)
		this.scheduleFlush()
	}

	private scheduleFlush() {
		if (this.flushScheduled) return
		this.flushScheduled = true
		setImmediate(this.flushOutgoing)
	}

	/**
	 * Sends what this tick produced: every update, merged into one and encoded once for all
	 * receivers, then one awareness frame with every changed state. Under load many messages
	 * arrive in one tick and each socket gets two frames instead of dozens.
	 */
	private readonly flushOutgoing = () => {
		this.flushScheduled = false
		if (this.destroyed) return
		const updates = this.outUpdates
		this.outUpdates = []
		if (updates.length > 0) {
			const origin = updates.every((u) => u.origin === updates[0]!.origin) ? updates[0]!.origin : null
			const receivers = [...this.connections].filter((conn) => conn !== origin)
			// With several authors in one tick, each gets its own changes back inside the merged
			// update: applying known changes is a no-op, and it keeps one encoding for everyone.
			if (receivers.length > 0) {
				for (const merged of mergeInChunks(updates.map((u) => u.update))) {
					const message = encodeUpdate(merged)
					for (const conn of receivers) send(conn, message)
				}
			}
		}
		if (this.outAwareness.size > 0) {
			const message = encodeAwareness(encodeAwarenessEntries(this.outAwareness.values()))
			this.outAwareness.clear()
			// The sender gets its own state back too: for a client alone in a document this is the
			// traffic that tells y-websocket's provider the connection is alive (it drops a socket
			// that received nothing for 30 s).
			for (const conn of this.connections) send(conn, message)
		}
	}

	private maybeCheckpoint() {
		if (this.rowsSinceCheckpoint < CHECKPOINT_EVERY_ROWS) return
		const wait = Math.max(0, this.lastCheckpointAt + CHECKPOINT_DEBOUNCE_MS - Date.now())
		this.scheduleCheckpoint(wait)
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
		const state = Y.encodeStateAsUpdate(this.doc)
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

	/** Resolves when every accepted change is in the log. */
	flushed(): Promise<void> {
		return this.log.flushNow()
	}

	destroy() {
		this.destroyed = true
		if (this.checkpointTimer) clearTimeout(this.checkpointTimer)
		this.log.dispose()
		this.doc.destroy()
	}
}

function isConnection(value: unknown): value is Connection {
	return typeof value === 'object' && value !== null && 'identity' in value && 'socket' in value
}

function send(conn: Connection, data: Uint8Array) {
	if (conn.closed) return
	try {
		conn.socket.send(data)
	} catch {
		// A socket that cannot send is closing; its close handler cleans up.
	}
}

function closeConnection(conn: Connection, code: number, reason: string) {
	if (conn.closed) return
	conn.closed = true
	try {
		conn.socket.close(code, reason)
	} catch {
		// already closed
	}
}

/** A client's presence with `user` set from the authenticated identity: presence cannot be forged. */
function stampState(state: Record<string, unknown>, identity: Identity): string {
	const user = { name: identity.name, delegation: identity.delegationCode, color: identity.color, readOnly: identity.access !== 'edit' }
	return JSON.stringify({ ...state, user })
}

type Pending = { frames: Uint8Array[]; bytes: number }

/**
 * The rooms of one process: loads a document on first connection, queues what arrives while
 * it loads (capped), unloads it once the last connection has gone and everything is written.
 */
export class RoomManager {
	readonly rooms = new Map<string, Room>()
	private readonly loading = new Map<string, Promise<Room>>()
	private readonly unloadTimers = new Map<string, ReturnType<typeof setTimeout>>()
	private readonly sweeper: ReturnType<typeof setInterval>

	constructor(
		private readonly options: {
			persistence: Persistence
			logger?: Logger
			unloadDelayMs?: number
		},
	) {
		this.sweeper = setInterval(() => {
			const now = Date.now()
			for (const room of this.rooms.values()) room.sweepAwareness(now)
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
			const fresh = new Room(documentId, this.options.persistence, this.logger)
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
	 * Attaches a socket to a document. Returns the handlers the transport calls for each frame
	 * and on close; frames that arrive before the document is loaded are queued.
	 */
	connect(
		documentId: string,
		socket: SyncSocket,
		identity: Identity,
		options: { wantsAcks?: boolean } = {},
	): { receive: (frame: Uint8Array) => void; close: () => void } {
		const conn: Connection = {
			socket,
			identity,
			wantsAcks: options.wantsAcks ?? false,
			unsaved: new Map(),
			saved: new Map(),
			ackSerial: 0,
			closed: false,
		}
		let room: Room | null = null
		let pending: Pending | null = { frames: [], bytes: 0 }
		this.open(documentId).then(
			(loaded) => {
				if (conn.closed) return this.maybeUnload(loaded)
				room = loaded
				loaded.join(conn)
				const queued = pending!.frames
				pending = null
				for (const frame of queued) loaded.receive(conn, frame)
			},
			(error) => {
				this.logger.error(`[sync] loading document ${documentId} failed:`, error)
				closeConnection(conn, CLOSE_CODES.unavailable, 'Document could not be loaded')
			},
		)
		return {
			receive: (frame) => {
				if (room) return room.receive(conn, frame)
				if (!pending || conn.closed) return
				pending.frames.push(frame)
				pending.bytes += frame.byteLength
				if (pending.frames.length > MAX_QUEUED_MESSAGES || pending.bytes > MAX_QUEUED_BYTES) {
					pending = null
					closeConnection(conn, CLOSE_CODES.overloaded, 'Too much sent before the document loaded')
				}
			},
			close: () => {
				conn.closed = true
				if (!room) return
				room.leave(conn)
				this.maybeUnload(room)
			},
		}
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

	/** Shutdown: close every connection (1001, clients reconnect), write and checkpoint every room. */
	async closeAll() {
		clearInterval(this.sweeper)
		for (const timer of this.unloadTimers.values()) clearTimeout(timer)
		this.unloadTimers.clear()
		await Promise.allSettled([...this.loading.values()])
		const rooms = [...this.rooms.values()]
		for (const room of rooms) {
			for (const conn of [...room.connections]) {
				closeConnection(conn, CLOSE_CODES.goingAway, 'Server restarting')
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
	}
}
