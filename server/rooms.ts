import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
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
import { applyStored, GroupCommit, type Persistence } from './persistence.ts'
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
	/** Awareness client ids this connection speaks for. */
	readonly awarenessClients: Set<number>
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
	readonly awareness = new awarenessProtocol.Awareness(this.doc)
	readonly connections = new Set<Connection>()
	private readonly awarenessOwner = new Map<number, Connection>()
	private readonly log: GroupCommit
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
		this.awareness.setLocalState(null)
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
		this.awareness.on('update', this.onAwarenessUpdate)
	}

	async load() {
		const stored = await this.persistence.load(this.documentId)
		applyStored(this.doc, stored)
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
		const states = this.awareness.getStates()
		if (states.size > 0) {
			send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])))
		}
	}

	leave(conn: Connection) {
		if (!this.connections.delete(conn)) return
		const ids = [...conn.awarenessClients].filter((id) => this.awarenessOwner.get(id) === conn)
		for (const id of ids) this.awarenessOwner.delete(id)
		if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, conn)
	}

	/** Handles one frame. A frame that does not decode closes this connection only. */
	receive(conn: Connection, frame: Uint8Array) {
		if (conn.closed) return
		try {
			const message = decodeClientMessage(frame)
			switch (message.type) {
				case 'sync-step1':
					send(conn, encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)))
					break
				case 'sync-step2':
				case 'update':
					this.receiveUpdate(conn, message.update)
					break
				case 'awareness':
					this.receiveAwareness(conn, message.update)
					break
				case 'query-awareness':
					send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])))
					break
			}
		} catch (error) {
			const reason = error instanceof ProtocolError ? error.message : `bad update: ${(error as Error).message}`
			this.logger.warn(`[sync] closing connection of ${conn.identity.delegationCode}/${conn.identity.userId} on document ${this.documentId}: ${reason}`)
			closeConnection(conn, CLOSE_CODES.badMessage, 'Malformed message')
			this.leave(conn)
		}
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
		const stamped = stampAwareness(update, conn, this.awarenessOwner)
		if (stamped) awarenessProtocol.applyAwarenessUpdate(this.awareness, stamped, conn)
	}

	private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === 'storage') return
		const message = encodeUpdate(update)
		for (const conn of this.connections) if (conn !== origin) send(conn, message)
		const author = isConnection(origin) ? origin.identity : null
		this.log.add({ data: update, userId: author?.userId ?? null, delegationId: author?.delegationId ?? null })
	}

	private readonly onAwarenessUpdate = (
		{ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
		_origin: unknown,
	) => {
		const changed = added.concat(updated, removed)
		if (changed.length === 0) return
		const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed))
		// The sender gets its own state back too: for a client alone in a document this is the
		// traffic that tells y-websocket's provider the connection is alive (it drops a socket
		// that received nothing for 30 s).
		for (const conn of this.connections) send(conn, message)
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
		this.awareness.destroy()
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

/**
 * Re-encodes an awareness update with each state's `user` set from the authenticated identity,
 * so presence cannot be forged, and drops entries for client ids another connection speaks for.
 * Returns null when nothing is left.
 */
export function stampAwareness(
	update: Uint8Array,
	conn: Connection,
	owners: Map<number, Connection>,
): Uint8Array | null {
	const decoder = decoding.createDecoder(update)
	const encoder = encoding.createEncoder()
	const count = decoding.readVarUint(decoder)
	const entries: [number, number, string][] = []
	for (let i = 0; i < count; i++) {
		const clientId = decoding.readVarUint(decoder)
		const clock = decoding.readVarUint(decoder)
		const json = decoding.readVarString(decoder)
		const owner = owners.get(clientId)
		if (owner && owner !== conn && !owner.closed) continue
		const state: unknown = JSON.parse(json)
		if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
			throw new ProtocolError('awareness state is not an object')
		}
		if (state === null) {
			entries.push([clientId, clock, 'null'])
		} else {
			const { identity } = conn
			const user = { name: identity.name, delegation: identity.delegationCode, color: identity.color, readOnly: identity.access !== 'edit' }
			entries.push([clientId, clock, JSON.stringify({ ...state, user })])
			owners.set(clientId, conn)
			conn.awarenessClients.add(clientId)
		}
	}
	if (entries.length === 0) return null
	encoding.writeVarUint(encoder, entries.length)
	for (const [clientId, clock, json] of entries) {
		encoding.writeVarUint(encoder, clientId)
		encoding.writeVarUint(encoder, clock)
		encoding.writeVarString(encoder, json)
	}
	return encoding.toUint8Array(encoder)
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

	constructor(
		private readonly options: {
			persistence: Persistence
			logger?: Logger
			unloadDelayMs?: number
		},
	) {}

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
			awarenessClients: new Set(),
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
