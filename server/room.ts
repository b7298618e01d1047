import * as Y from 'yjs'
import { CLOSE_EVENTS } from '#app/domain/close-codes.ts'
import { MAX_DOCUMENT_BYTES, SYNC_STEP1_WAIT_MS } from '#app/domain/constants.ts'
import { AwarenessStore, encodeAwarenessEntries } from './awareness.ts'
import { closeConnection, isConnection, send, sendAll, sendThen, stampState, type Connection, type Logger } from './connection.ts'
import { DocumentGuard } from './guard.ts'
import { mergeInChunks, type Author, type GroupCommit, type LogEntry, type Persistence } from './persistence.ts'
import { PresencePacer, type EchoCensus, type PacedRoom, type PresenceSettings } from './presence-pacer.ts'
import {
	decodeClientMessage,
	encodeAwareness,
	encodeNotice,
	encodePermissionDenied,
	encodeSaved,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeUpdate,
	isEmptyUpdate,
	ProtocolError,
	updateWouldChange,
} from './protocol.ts'
import { StoredDocument, StoredStateError } from './stored-document.ts'

/** Refused writes a read-only connection may make before it is closed. */
const MAX_DENIED_WRITES = 20

/**
 * One loaded document and the connections editing it: joins them (the sync handshake), takes
 * what they send (updates through the guard, presence stamped with the authenticated identity),
 * sends what changed to everyone once per tick, and acknowledges what is on disk. The document's
 * stored form is StoredDocument's, presence's cadence PresencePacer's; comments, approvals and
 * rules live in the app.
 */
export class Room implements PacedRoom {
	readonly awareness: AwarenessStore<Connection>
	readonly connections = new Set<Connection>()
	private readonly stored: StoredDocument
	private readonly presence: PresencePacer
	/** Updates waiting to go out: at the end of this tick, coalesced into one (or at once, for its first client change). */
	private outUpdates: { update: Uint8Array; origin: Connection | null }[] = []
	/** Something waits in outUpdates or presence for the end of the tick (setImmediate queued). */
	private flushScheduled = false
	/** This tick already sent a client's change at once (receiveUpdate): the next ones wait for its end, merged. */
	private sentThisTick = false
	/** Connections to get the server's sync step 1 once their own is answered (join), and the fallback timer. */
	private stepOneDue: Set<Connection> | null = null
	private stepOneTimer: ReturnType<typeof setTimeout> | null = null
	/**
	 * Statuses, frozen paragraphs and brackets, checked on every client change (server/guard.ts).
	 * Made at the first client change: a document that is only read (or idle) does not carry it.
	 */
	private guard: DocumentGuard | null = null
	destroyed = false

	/** `log` is the process's group commit, shared by every room (RoomManager). */
	constructor(
		readonly documentId: string,
		persistence: Persistence,
		private readonly logger: Logger,
		private readonly log: GroupCommit,
		echoCensus?: EchoCensus,
		presence: PresenceSettings = {},
		private readonly maxDocumentBytes = MAX_DOCUMENT_BYTES,
	) {
		this.awareness = new AwarenessStore<Connection>(presence.renewalForwardMs)
		this.stored = new StoredDocument(documentId, persistence, logger, {
			onUpdate: (update, origin) => this.onDocUpdate(update, origin),
			onUnreadable: () => {
				for (const conn of this.connections) closeConnection(conn, CLOSE_EVENTS.unavailable)
				this.connections.clear()
				this.destroy()
			},
		})
		this.presence = new PresencePacer(this, echoCensus, presence)
	}

	/** How many are in the room (PacedRoom). */
	get connectionCount(): number {
		return this.connections.size
	}

	/** The Yjs document, built from its encoded form if it is not built. */
	get doc(): Y.Doc {
		return this.stored.doc
	}

	get isBuilt(): boolean {
		return this.stored.isBuilt
	}

	/** A built document nobody used for a while goes back to its encoded form (the process's sweep calls this). */
	sleepIfUnused(now = Date.now()): boolean {
		if (!this.stored.sleepIfUnused(now, this.flushScheduled || this.destroyed)) return false
		this.guard?.destroy()
		this.guard = null
		return true
	}

	load() {
		return this.stored.load()
	}

	checkpoint() {
		return this.stored.checkpoint()
	}

	/** The group commit wrote these rows of this document; the last has position `lastSeq`. */
	written(rows: LogEntry[], lastSeq: bigint) {
		if (this.destroyed) return
		this.stored.written(rows, lastSeq)
		for (const conn of this.connections) this.acknowledge(conn)
	}

	get isDirty(): boolean {
		return this.log.isDirty(this.documentId)
	}

	/**
	 * Adds a connection and handles what it sent while the document loaded, then sends the
	 * server's own sync step 1. A document kept as stored bytes answers the client's request
	 * first, whether it came before the load ended or comes after (SYNC_STEP1_WAIT_MS): its
	 * state vector means reading the whole stored history.
	 */
	join(conn: Connection, queued: readonly Uint8Array[] = []) {
		this.connections.add(conn)
		const afterTheirs = !this.stored.hasStateVector
		if (afterTheirs) (this.stepOneDue ??= new Set()).add(conn)
		for (const frame of queued) this.receive(conn, frame)
		if (conn.closed || this.destroyed) return
		if (!afterTheirs) this.sendStepOne(conn)
		else if (this.stepOneDue?.has(conn)) this.scheduleStepOne()
		if (this.awareness.size > 0) send(conn, encodeAwareness(encodeAwarenessEntries(this.awareness.all())))
	}

	leave(conn: Connection) {
		if (!this.connections.delete(conn)) return
		this.stepOneDue?.delete(conn)
		if (conn.echoes && !this.destroyed) this.presence.stopEchoing(conn)
		this.presence.queue(this.awareness.removeOwnedBy(conn))
	}

	/** Forgets presence of clients that vanished without a word. */
	sweepAwareness(now = Date.now()) {
		this.presence.queue(this.awareness.sweep(now))
	}

	/** Handles one frame. A frame that does not decode closes this connection only. */
	receive(conn: Connection, frame: Uint8Array) {
		if (conn.closed) return
		try {
			const message = decodeClientMessage(frame)
			switch (message.type) {
				case 'sync-step1': {
					const answer = encodeSyncStep2(this.stored.missingFrom(message.stateVector))
					if (!this.stepOneDue?.delete(conn)) {
						send(conn, answer)
						break
					}
					// The document is kept as stored bytes, so the server's own step 1 means reading
					// all of them for the state vector. It waits until the answer has left the
					// process: a large answer leaves in pieces as the socket takes them, and those
					// would otherwise wait behind the reading.
					sendThen(conn, answer, () => this.sendStepOne(conn))
					break
				}
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
			if (error instanceof StoredStateError) return // the room has closed every connection
			const reason = error instanceof ProtocolError ? error.message : `bad update: ${(error as Error).message}`
			this.logger.warn(`[sync] closing connection of ${conn.identity.delegationCode}/${conn.identity.userId} on document ${this.documentId}: ${reason}`)
			closeConnection(conn, CLOSE_EVENTS.malformedMessage)
			this.leave(conn)
		}
	}

	/** The server's sync step 1: asks the client for what it holds that the server lacks. */
	private sendStepOne(conn: Connection) {
		if (conn.closed || this.destroyed) return
		try {
			send(conn, encodeSyncStep1(this.stored.stateVector()))
		} catch (error) {
			if (error instanceof StoredStateError) return // the room has closed its connections
			throw error
		}
	}

	/** A client that has not asked by then gets the server's sync step 1 all the same. */
	private scheduleStepOne() {
		if (this.stepOneTimer) return
		this.stepOneTimer = setTimeout(() => {
			this.stepOneTimer = null
			const due = this.stepOneDue
			this.stepOneDue = null
			if (due && !this.destroyed) for (const conn of due) this.sendStepOne(conn)
		}, SYNC_STEP1_WAIT_MS)
	}

	private receiveUpdate(conn: Connection, update: Uint8Array) {
		// A new client's sync step 2 holds nothing: nothing to apply or to judge.
		if (isEmptyUpdate(update)) return
		if (conn.identity.access !== 'edit' && conn.identity.access !== 'suggest') {
			if (updateWouldChange(this.doc, update)) {
				send(conn, encodePermissionDenied('This document is read-only for your delegation.'))
				// Checking a write costs a scan of the document: a client that keeps trying is cut off.
				if (++conn.deniedWrites > MAX_DENIED_WRITES) closeConnection(conn, CLOSE_EVENTS.tooManyRefused)
			}
			return
		}
		const sender = { delegationCode: conn.identity.delegationCode, name: conn.identity.name, suggestOnly: conn.identity.access === 'suggest' }
		const doc = this.doc
		this.guard ??= new DocumentGuard(doc)
		const queued = this.outUpdates.length
		const violation = this.guard.check(() => Y.applyUpdate(doc, update, conn), conn, sender, { full: this.stored.sizeBytes > this.maxDocumentBytes })
		if (violation) {
			// The refused change and its reversal leave as one update, sent to everyone (the
			// sender too, to drop its text): merged in chunks at the end of a busy tick
			// (mergeInChunks), they could fall into two frames, and a reader would see the
			// refused text between them.
			const pair = this.outUpdates.splice(queued)
			if (pair.length > 0) this.outUpdates.push({ update: pair.length === 1 ? pair[0]!.update : Y.mergeUpdates(pair.map((u) => u.update)), origin: null })
			send(conn, encodePermissionDenied(violation.message))
			if (++conn.deniedWrites > MAX_DENIED_WRITES) closeConnection(conn, CLOSE_EVENTS.tooManyRefused)
		} else {
			this.stored.sizeBytes += update.length
			if (!this.sentThisTick && this.outUpdates.length > 0) {
				// The first change of a tick goes out now, not after every other message this tick
				// brought: the receivers start on it while the server reads the rest, which the end
				// of the tick sends merged (scheduleFlush). A refused change and its reversal wait
				// for the end of the tick together, so nobody sees the refused text. Presence waits
				// for the end of the tick too: the caret that goes with this change comes next.
				this.sentThisTick = true
				this.flushOutgoing(null, false)
			}
		}
		if (conn.wantsAcks) {
			for (const client of Y.parseUpdateMeta(update).to.keys()) conn.interest.add(client)
			// Changes it re-sent that were already on disk are acknowledged at once.
			this.acknowledge(conn)
		}
	}

	/**
	 * Tells Accord's client how much of each client id it cares about is on disk. The figures
	 * come from the rows the log has written, never from what is merely in memory: a change
	 * parked by Yjs for a missing dependency is not acknowledged.
	 */
	private acknowledge(conn: Connection) {
		if (!conn.wantsAcks || conn.closed || conn.interest.size === 0) return
		const saved = this.stored.savedClocks(conn.interest)
		let changed = false
		for (const [client, clock] of saved) if (conn.acked.get(client) !== clock) changed = true
		if (!changed) return
		for (const [client, clock] of saved) conn.acked.set(client, clock)
		send(conn, encodeSaved(saved))
	}

	private receiveAwareness(conn: Connection, update: Uint8Array) {
		const echoed = conn.echoes
		const entries = this.awareness.apply(update, conn, (state) => stampState(state, conn.identity))
		if (!echoed && conn.echoes) this.presence.startEchoing(conn)
		this.presence.queue(entries)
		// A reconnected page with nothing new to send learns from its presence which client id is
		// its own, and is told at once what of it is already on disk.
		if (conn.wantsAcks) {
			const before = conn.interest.size
			for (const e of entries) if (e.json !== 'null' && this.awareness.get(e.clientId)) conn.interest.add(e.clientId)
			if (conn.interest.size !== before) this.acknowledge(conn)
		}
	}

	private onDocUpdate(update: Uint8Array, origin: unknown) {
		const author = isConnection(origin) ? origin.identity : origin instanceof ServerEdit ? origin.author : null
		this.outUpdates.push({ update, origin: isConnection(origin) ? origin : null })
		this.scheduleFlush()
		this.log.add({ documentId: this.documentId, data: update, userId: author?.userId ?? null, delegationId: author?.delegationId ?? null })
	}

	/** Sends what waits at the end of this tick (PacedRoom). */
	scheduleFlush() {
		if (this.flushScheduled) return
		this.flushScheduled = true
		setImmediate(() => {
			this.flushScheduled = false
			this.sentThisTick = false
			this.flushOutgoing()
		})
	}

	/** A group's presence is due with no text to ride along (PacedRoom). */
	flushPresence(due: 'prompt' | 'echo') {
		this.flushOutgoing(due)
	}

	/**
	 * Sends what is waiting: every update, merged into one and encoded once for all receivers,
	 * then the presence the pacer lets go (one frame for the prompt connections, one for the
	 * echoing group whose turn it is). Called at the end of a tick, and at once for a tick's
	 * first client change (receiveUpdate: text only, `withPresence` false). Under load many
	 * messages arrive in one tick and each socket gets two frames for the rest of them instead
	 * of dozens.
	 */
	private flushOutgoing(presenceDue: 'prompt' | 'echo' | null = null, withPresence = true) {
		if (this.destroyed) return
		const updates = this.outUpdates
		this.outUpdates = []
		const presence = this.presence.take(performance.now(), presenceDue, withPresence)
		// With several authors in one tick, each gets its own changes back inside the merged
		// update: applying known changes is a no-op, and it keeps one encoding for everyone.
		const updateMessages = updates.length > 0 ? mergeInChunks(updates.map((u) => u.update)).map(encodeUpdate) : []
		if (updateMessages.length === 0 && !presence.prompt && presence.turn < 0) return
		const origin = updates.length > 0 && updates.every((u) => u.origin === updates[0]!.origin) ? updates[0]!.origin : null
		// The sender gets its own presence back too: for a client alone in a document this is the
		// traffic that tells y-websocket's provider the connection is alive (it drops a socket
		// that received nothing for 30 s). Each socket gets this tick's frames in one write.
		const prompt = framesWith(updateMessages, presence.prompt)
		const text = presence.prompt ? framesWith(updateMessages, null) : prompt
		const echo = presence.turn >= 0 ? framesWith(updateMessages, presence.echo) : text
		for (const conn of this.connections) {
			const group = !conn.echoes ? prompt : conn.echoGroup === presence.turn ? echo : text
			const frames = conn === origin ? group.presenceOnly : group.all
			if (frames.length === 1) send(conn, frames[0]!)
			else if (frames.length > 1) sendAll(conn, frames)
		}
	}

	/**
	 * A change the server makes on someone's behalf (a status, a bracket, a resolution): applied
	 * in one transaction, logged under that person and delegation, sent to everyone.
	 */
	edit<T>(author: Author, change: (doc: Y.Doc) => T): T {
		let result!: T
		const doc = this.doc
		doc.transact(() => {
			result = change(doc)
		}, new ServerEdit(author))
		return result
	}

	/**
	 * Tells Accord's own pages (the connections that asked for acknowledgements) that something
	 * beside the text changed. Other y-websocket clients do not know the message and would log
	 * an error for it.
	 */
	notify(notice: object) {
		let message: Uint8Array | null = null
		for (const conn of this.connections) {
			if (!conn.wantsAcks) continue
			message ??= encodeNotice(notice)
			send(conn, message)
		}
	}

	/** Resolves when every accepted change is in the log. */
	flushed(): Promise<void> {
		return this.log.flushNow(this.documentId)
	}

	destroy() {
		this.destroyed = true
		this.presence.dispose()
		if (this.stepOneTimer) clearTimeout(this.stepOneTimer)
		this.stepOneDue = null
		this.guard?.destroy()
		this.stored.destroy()
	}
}

const NO_FRAMES: readonly Uint8Array[] = []

type Frames = { all: readonly Uint8Array[]; presenceOnly: readonly Uint8Array[] }

/** A tick's frames for one group of connections: with the text, and for the text's author. */
function framesWith(updateMessages: Uint8Array[], presence: Uint8Array | null): Frames {
	if (!presence) return { all: updateMessages, presenceOnly: NO_FRAMES }
	return { all: [...updateMessages, presence], presenceOnly: [presence] }
}

/** The origin of the server's own changes, with the person they are made for. */
class ServerEdit {
	constructor(readonly author: Author) {}
}
