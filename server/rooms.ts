import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { publishDocumentEvent } from '#app/utils/document-events.server.ts'
import { AdoptedTextError, type LiveNotice } from '#app/utils/live-documents.server.ts'
import {
	CHECKPOINT_DEBOUNCE_MS,
	CHECKPOINT_EVERY_ROWS,
	ECHO_PRESENCE_BUDGET_PER_S,
	ECHO_PRESENCE_GROUP_SIZE,
	ECHO_PRESENCE_MAX_INTERVAL_MS,
	ECHO_PRESENCE_GROUPS,
	MAX_QUEUED_BYTES,
	MAX_QUEUED_MESSAGES,
	META_MAP,
	PRESENCE_FRAMES_BUDGET_PER_S,
	PRESENCE_INTERVAL_MS,
	PRESENCE_WAIT_FOR_UPDATE_MS,
	ROOM_SLEEP_AFTER_MS,
	ROOM_UNLOAD_DELAY_MS,
	MAX_DOCUMENT_BYTES,
	SYNC_STEP1_WAIT_MS,
} from '#app/domain/constants.ts'
import type { DocumentAccess } from '#app/domain/permissions.ts'
import { sanitizePresence } from '#app/domain/presence.ts'
import { AWARENESS_RENEWAL_SPREAD_MS, AwarenessStore, encodeAwarenessEntries, type AwarenessEntry } from './awareness.ts'
import { DocumentGuard } from './guard.ts'
import { applyStored, GroupCommit, mergeByAuthor, mergeInChunks, type Author, type LogEntry, type Persistence, type StoredDocument } from './persistence.ts'
import {
	decodeClientMessage,
	encodeAwareness,
	encodeNotice,
	encodePermissionDenied,
	encodeSaved,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeUpdate,
	EMPTY_UPDATE,
	isEmptyUpdate,
	mergeStateVectorInto,
	ProtocolError,
	updateWouldChange,
} from './protocol.ts'

/** Sweep presence of vanished clients this often (one timer for all rooms). */
const AWARENESS_SWEEP_MS = 5_000
/** Renewals due this close to each other go out in one flush. */
const RENEWALS_BATCH_MS = 50
/** Refused writes a read-only connection may make before it is closed (4403). */
const MAX_DENIED_WRITES = 20

/** All a room needs of a socket, so rooms run in unit tests without a network. */
export interface SyncSocket {
	send(data: Uint8Array): void
	/** Several frames in one write to the network, in order (optional: else one `send` each). */
	sendAll?(frames: readonly Uint8Array[]): void
	/** Sends, then calls `sent` once the bytes have left the process (optional: else at once). */
	sendThen?(data: Uint8Array, sent: () => void): void
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
	/** Yjs client ids this connection cares about (its own edits, its presence). */
	readonly interest: Set<number>
	/** What MESSAGE_SAVED last told it, per client id of interest. */
	readonly acked: Map<number, number>
	/** Writes refused because the connection is read-only (too many and it is closed). */
	deniedWrites: number
	/** It sends back the presence it receives (AwarenessStore marks it): it gets presence less often. */
	echoes: boolean
	/** Which of its room's echoing groups it is in (Room.echoPresence), once it echoes. */
	echoGroup: number
	closed: boolean
}

/**
 * One loaded document and the connections editing it. Moves Yjs bytes, enforces read-only,
 * stamps presence with the authenticated identity, and hands accepted changes to the update
 * log's group commit. Nothing else: comments, approvals and rules live in the app.
 *
 * A document is kept in one of two forms. Loaded whole from storage (a checkpoint, or a single
 * log row) it stays encoded: joins are answered from those bytes (the whole of them, or
 * Y.diffUpdate for a client that holds part), presence needs no document, and nothing is built
 * until a change or a read needs the Yjs document (`doc`). A built document nobody has used for
 * ROOM_SLEEP_AFTER_MS goes back to its encoded form (`sleepIfUnused`). Idle documents then cost
 * their bytes (~20 KB for a 20 KB text, outside the JavaScript heap) instead of a Y.Doc (~160 KB).
 */
export class Room {
	/** The Yjs document while built; null while the document is kept encoded. */
	private built: Y.Doc | null = null
	/** The whole document encoded, while not built; and its state vector, once asked for. */
	private encoded: Uint8Array | null = EMPTY_UPDATE
	private encodedStateVector: Uint8Array | null = null
	/** The server's own Yjs client id, kept across rebuilds (a new id per build would grow every state vector). */
	private serverClientId: number | null = null
	/** When the built document was last used (a change, a read, an answer that needed it). */
	private usedAt = 0
	readonly awareness: AwarenessStore<Connection>
	readonly connections = new Set<Connection>()
	private readonly log: GroupCommit
	/** Updates waiting to go out: at the end of this tick, coalesced into one (or at once, for its first client change). */
	private outUpdates: { update: Uint8Array; origin: Connection | null }[] = []
	/** Something waits in outUpdates or presence for the end of the tick (setImmediate queued). */
	private flushScheduled = false
	/** This tick already sent a client's change at once (receiveUpdate): the next ones wait for its end, merged. */
	private sentThisTick = false
	/**
	 * Presence waiting to go out, for the connections that do not echo it and for those that do
	 * (queueAwareness); how many connections echo.
	 */
	private readonly promptPresence = new PresenceCadence()
	private readonly echoPresence = Array.from({ length: ECHO_PRESENCE_GROUPS }, () => new PresenceCadence())
	private readonly echoGroupSizes = new Array<number>(ECHO_PRESENCE_GROUPS).fill(0)
	private echoing = 0
	/** When an echoing group last had its turn, and the timer that gives the next one its turn alone. */
	private echoTurnAt = -Infinity
	private echoTimer: ReturnType<typeof setTimeout> | null = null
	/** Renewals of unchanged states, each with the moment it goes out (queueAwareness), and the timer for the next. */
	private readonly renewals = new Map<number, { entry: AwarenessEntry; at: number }>()
	private renewalTimer: ReturnType<typeof setTimeout> | null = null
	private renewalTimerAt = Infinity
	/** Connections to get the server's sync step 1 once their own is answered (join), and the fallback timer. */
	private stepOneDue: Set<Connection> | null = null
	private stepOneTimer: ReturnType<typeof setTimeout> | null = null
	/**
	 * The whole document encoded, until the next change: a burst of joins encodes it once. Held
	 * weakly, so an idle document does not keep a second copy of itself in memory.
	 */
	private fullState: WeakRef<Uint8Array> | null = null
	/**
	 * Statuses, frozen paragraphs and brackets, checked on every client change (server/guard.ts).
	 * Made at the first client change: it reads the text lazily anyway, and a document that is
	 * only read (or idle) does not carry it.
	 */
	private guard: DocumentGuard | null = null
	/** Per Yjs client id, the clock up to which its changes are in the database. */
	private readonly persisted = new Map<number, number>()
	/** What was loaded is on disk too: merged into `persisted` when first needed (see load). */
	private loadedNotCounted = false
	private lastSeq: bigint | null = null
	private rowsSinceCheckpoint = 0
	/** The stored form's size: the last checkpoint or load, and the accepted changes since. */
	private sizeBytes = 0
	private lastCheckpointAt = 0
	private checkpointing: Promise<void> | null = null
	private checkpointTimer: ReturnType<typeof setTimeout> | null = null
	destroyed = false

	/** `log` is the process's group commit, shared by every room (RoomManager). */
	constructor(
		readonly documentId: string,
		private readonly persistence: Persistence,
		private readonly logger: Logger,
		log: GroupCommit,
		private readonly echoCensus: EchoCensus = { echoing: 0, budgetPerS: ECHO_PRESENCE_BUDGET_PER_S },
		private readonly presence: PresenceSettings = {},
		private readonly maxDocumentBytes = MAX_DOCUMENT_BYTES,
	) {
		this.log = log
		this.awareness = new AwarenessStore<Connection>(presence.renewalForwardMs)
	}

	/** The Yjs document, built from its encoded form if it is not built. */
	get doc(): Y.Doc {
		this.usedAt = Date.now()
		if (this.built) return this.built
		this.countLoaded()
		const encoded = this.encoded
		// The guid is Yjs's own name for a document (the default draws a UUID, ~30 calls into
		// WebCrypto); the document's id serves.
		const doc = new Y.Doc({ guid: this.documentId })
		if (this.serverClientId !== null) doc.clientID = this.serverClientId
		else this.serverClientId = doc.clientID
		if (encoded) this.readStored(() => Y.applyUpdate(doc, encoded, 'storage'))
		// An anonymous arrow calling a method: under tsx each named closure carries its own
		// property store, and a room lives as long as its document is loaded.
		doc.on('update', (update: Uint8Array, origin: unknown) => this.onDocUpdate(update, origin))
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

	/**
	 * Puts a built document nobody used for ROOM_SLEEP_AFTER_MS back into its encoded form (the
	 * process's sweep calls this). Nothing is lost: the encoding is the whole document, and what
	 * the log has not written yet is held by the group commit, not by the document.
	 */
	sleepIfUnused(now = Date.now()): boolean {
		const doc = this.built
		if (!doc || this.destroyed || this.flushScheduled || now - this.usedAt < ROOM_SLEEP_AFTER_MS) return false
		this.encoded = this.fullState?.deref() ?? Y.encodeStateAsUpdate(doc)
		this.fullState = null
		this.guard?.destroy()
		this.guard = null
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

	private stateVector(): Uint8Array {
		if (this.built) return Y.encodeStateVector(this.built)
		const encoded = this.encoded!
		return (this.encodedStateVector ??= this.readStored(() => Y.encodeStateVectorFromUpdate(encoded)))
	}

	/**
	 * Reads the stored bytes a document is kept as. Bytes that cannot be read (damaged on disk)
	 * close the room: every connection is told the document could not be loaded (no client is
	 * blamed), and the next connection loads it again.
	 */
	private readStored<T>(read: () => T): T {
		try {
			return read()
		} catch (error) {
			if (!this.destroyed) {
				this.logger.error(`[sync] the stored state of document ${this.documentId} cannot be read; closing its connections:`, error)
				for (const conn of this.connections) closeConnection(conn, CLOSE_CODES.unavailable, 'Document could not be loaded')
				this.connections.clear()
				this.destroy()
			}
			throw new StoredStateError(this.documentId, error)
		}
	}

	/** The group commit wrote these rows of this document; the last has position `lastSeq`. */
	written(rows: LogEntry[], lastSeq: bigint) {
		if (this.destroyed) return
		this.lastSeq = lastSeq
		this.rowsSinceCheckpoint += rows.length
		this.countLoaded()
		for (const row of rows) mergeStateVectorInto(this.persisted, Y.parseUpdateMeta(row.data).to)
		for (const conn of this.connections) this.acknowledge(conn)
		this.maybeCheckpoint()
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
			// reading the state vector of a long stored history takes tens of ms, which the first
			// join need not wait for.
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
		const afterTheirs = !this.built && this.encodedStateVector === null
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
		if (conn.echoes && !this.destroyed) {
			this.echoing--
			this.echoCensus.echoing--
			if (--this.echoGroupSizes[conn.echoGroup]! === 0) this.echoPresence[conn.echoGroup]!.clear()
			if (this.echoing === 0) this.clearEchoTimer()
		}
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
				case 'sync-step1': {
					const answer = encodeSyncStep2(this.missingFrom(message.stateVector))
					if (!this.stepOneDue?.delete(conn)) {
						send(conn, answer)
						break
					}
					// The document is kept as stored bytes, so the server's own step 1 means reading
					// all of them for the state vector (5-40 ms for a long history). It waits until the
					// answer has left the process: a large answer leaves in pieces as the socket takes
					// them, and those would otherwise wait behind the reading (ADR 006, item 49).
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
			closeConnection(conn, CLOSE_CODES.badMessage, 'Malformed message')
			this.leave(conn)
		}
	}

	/** The server's sync step 1: asks the client for what it holds that the server lacks. */
	private sendStepOne(conn: Connection) {
		if (conn.closed || this.destroyed) return
		try {
			send(conn, encodeSyncStep1(this.stateVector()))
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

	/** What a client with this state vector lacks; for a new client, the cached whole document. */
	private missingFrom(stateVector: Uint8Array): Uint8Array {
		const sv = Y.decodeStateVector(stateVector)
		const encoded = this.encoded
		if (encoded) return sv.size === 0 ? encoded : this.readStored(() => Y.diffUpdate(encoded, stateVector))
		if (sv.size === 0) {
			const cached = this.fullState?.deref()
			if (cached) return cached
			const encoded = Y.encodeStateAsUpdate(this.doc)
			this.fullState = new WeakRef(encoded)
			return encoded
		}
		return Y.encodeStateAsUpdate(this.doc, stateVector)
	}

	private receiveUpdate(conn: Connection, update: Uint8Array) {
		// A new client's sync step 2 holds nothing: nothing to apply or to judge.
		if (isEmptyUpdate(update)) return
		if (conn.identity.access !== 'edit' && conn.identity.access !== 'suggest') {
			if (updateWouldChange(this.doc, update)) {
				send(conn, encodePermissionDenied('This document is read-only for your delegation.'))
				// Checking a write costs a scan of the document: a client that keeps trying is cut off.
				if (++conn.deniedWrites > MAX_DENIED_WRITES) closeConnection(conn, CLOSE_CODES.forbidden, 'Read-only')
			}
			return
		}
		const sender = { delegationCode: conn.identity.delegationCode, name: conn.identity.name, suggestOnly: conn.identity.access === 'suggest' }
		const doc = this.doc
		this.guard ??= new DocumentGuard(doc)
		const queued = this.outUpdates.length
		const violation = this.guard.check(() => Y.applyUpdate(doc, update, conn), conn, sender, { full: this.sizeBytes > this.maxDocumentBytes })
		if (violation) {
			// The refused change and its reversal leave as one update, sent to everyone (the
			// sender too, to drop its text): merged in chunks at the end of a busy tick
			// (mergeInChunks), they could fall into two frames, and a reader would see the
			// refused text between them.
			const pair = this.outUpdates.splice(queued)
			if (pair.length > 0) this.outUpdates.push({ update: pair.length === 1 ? pair[0]!.update : Y.mergeUpdates(pair.map((u) => u.update)), origin: null })
			send(conn, encodePermissionDenied(violation.message))
			if (++conn.deniedWrites > MAX_DENIED_WRITES) closeConnection(conn, CLOSE_CODES.tooManyRefused, 'Too many refused changes')
		} else {
			this.sizeBytes += update.length
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
	 * come from the rows the log has written (`persisted`), never from what is merely in memory:
	 * a change parked by Yjs for a missing dependency is not acknowledged.
	 */
	private acknowledge(conn: Connection) {
		if (!conn.wantsAcks || conn.closed || conn.interest.size === 0) return
		let changed = false
		const saved = new Map<number, number>()
		this.countLoaded()
		for (const client of conn.interest) {
			const clock = this.persisted.get(client) ?? 0
			saved.set(client, clock)
			if (conn.acked.get(client) !== clock) changed = true
		}
		if (!changed) return
		for (const [client, clock] of saved) conn.acked.set(client, clock)
		send(conn, encodeSaved(saved))
	}

	private receiveAwareness(conn: Connection, update: Uint8Array) {
		const echoed = conn.echoes
		const entries = this.awareness.apply(update, conn, (state) => stampState(state, conn.identity))
		if (!echoed && conn.echoes) {
			// From now on it gets what the echoing connections of its group get, starting with what waits.
			this.echoing++
			this.echoCensus.echoing++
			// The smallest group, of as many as a group per ECHO_PRESENCE_GROUP_SIZE connections needs.
			const open = Math.min(ECHO_PRESENCE_GROUPS, Math.ceil(this.echoing / (this.presence.echoGroupSize ?? ECHO_PRESENCE_GROUP_SIZE)))
			const sizes = this.echoGroupSizes.slice(0, open)
			conn.echoGroup = sizes.indexOf(Math.min(...sizes))
			this.echoGroupSizes[conn.echoGroup]!++
			// …and the renewals still waiting for the prompt connections, which it no longer is.
			this.echoPresence[conn.echoGroup]!.add(this.promptPresence.pending.values())
			this.echoPresence[conn.echoGroup]!.add(Array.from(this.renewals.values(), (r) => r.entry))
		}
		this.queueAwareness(entries)
		// A reconnected page with nothing new to send learns from its presence which client id is
		// its own, and is told at once what of it is already on disk.
		if (conn.wantsAcks) {
			const before = conn.interest.size
			for (const e of entries) if (e.json !== 'null' && this.awareness.get(e.clientId)) conn.interest.add(e.clientId)
			if (conn.interest.size !== before) this.acknowledge(conn)
		}
	}

	private onDocUpdate(update: Uint8Array, origin: unknown) {
		if (origin === 'storage') return
		this.fullState = null
		const author = isConnection(origin) ? origin.identity : origin instanceof ServerEdit ? origin.author : null
		this.outUpdates.push({ update, origin: isConnection(origin) ? origin : null })
		this.scheduleFlush()
		this.log.add({ documentId: this.documentId, data: update, userId: author?.userId ?? null, delegationId: author?.delegationId ?? null })
	}

	/**
	 * Presence goes out at most every PRESENCE_INTERVAL_MS per room, the latest state of each
	 * client: the official providers answer every presence frame they receive with one of their
	 * own (yjs/yjs#732), so each frame the server sends costs as many incoming messages as there
	 * are such providers in the room. Once that interval has passed, the next text update
	 * carries it (no extra write); with no typing, it goes alone PRESENCE_WAIT_FOR_UPDATE_MS
	 * later. In a quiet room the first change goes at once. Connections that echo get it on
	 * their own cadence, slowed when the whole process has many of them (echoInterval), so the
	 * storm they make stays within ECHO_PRESENCE_BUDGET_PER_S, and in ECHO_PRESENCE_GROUPS
	 * groups that take turns (nextEchoTurn), so that their echoes come back a group at a time,
	 * not all at once. Text updates are never held back.
	 */
	private queueAwareness(entries: AwarenessEntry[]) {
		if (entries.length === 0) return
		const now = performance.now()
		let changes = entries
		if (this.renewals.size > 0 || entries.some((e) => e.renewal)) {
			// A renewal waits for its moment (AWARENESS_RENEWAL_SPREAD_MS) before it goes to the
			// prompt connections; a change or a departure goes now and makes a waiting renewal of the
			// same client pointless. The echoing connections get it at once into their turns, which
			// already spread what they get: waiting for both, a renewal could reach them after the
			// official providers' 30 s timeout (ECHO_PRESENCE_MAX_INTERVAL_MS).
			// With no prompt connection, nothing waits (one that joins gets every state at once).
			changes = []
			const renewed: AwarenessEntry[] = []
			const spread = this.presence.renewalSpreadMs ?? AWARENESS_RENEWAL_SPREAD_MS
			const forPrompt = this.connections.size > this.echoing
			let earliest = Infinity
			for (const entry of entries) {
				if (entry.renewal) {
					renewed.push(entry)
					if (!forPrompt) continue
					const at = now + Math.random() * spread
					this.renewals.set(entry.clientId, { entry, at })
					earliest = Math.min(earliest, at)
				} else {
					// A superseded renewal is just dropped; its timer finds nothing due and moves on.
					this.renewals.delete(entry.clientId)
					changes.push(entry)
				}
			}
			if (earliest < this.renewalTimerAt) this.scheduleRenewals(now)
			if (renewed.length > 0 && this.echoing > 0) this.queueEchoing(renewed, now)
		}
		this.queueChanges(changes, now)
	}

	/** The renewals whose moment has come (and those due within RENEWALS_BATCH_MS) go out together; the timer waits for the next. */
	private scheduleRenewals(now: number) {
		if (this.renewalTimer) clearTimeout(this.renewalTimer)
		this.renewalTimer = null
		let next = Infinity
		for (const { at } of this.renewals.values()) next = Math.min(next, at)
		this.renewalTimerAt = next
		if (next === Infinity) return
		this.renewalTimer = setTimeout(() => {
			this.renewalTimer = null
			this.renewalTimerAt = Infinity
			if (this.destroyed) return
			const now = performance.now()
			const due: AwarenessEntry[] = []
			for (const [clientId, { entry, at }] of this.renewals) {
				if (at > now + RENEWALS_BATCH_MS) continue
				this.renewals.delete(clientId)
				due.push({ clientId, clock: entry.clock, json: entry.json })
			}
			this.queueChanges(due, now, false)
			this.scheduleRenewals(now)
		}, Math.max(0, next - now))
	}

	/** `toEchoing` false: for the prompt connections only (a renewal, which the echoing ones got when it came). */
	private queueChanges(entries: AwarenessEntry[], now: number, toEchoing = true) {
		if (entries.length === 0) return
		const echoing = this.echoing
		const prompt = this.connections.size - echoing
		if (prompt > 0) this.queuePrompt(entries, this.promptInterval(prompt), now)
		if (echoing > 0 && toEchoing) this.queueEchoing(entries, now)
	}

	private queueEchoing(entries: AwarenessEntry[], now: number) {
		for (let group = 0; group < ECHO_PRESENCE_GROUPS; group++) if (this.echoGroupSizes[group]! > 0) this.echoPresence[group]!.add(entries)
		this.queueEchoTurn(now)
	}

	/** The prompt group's presence: with the next flush once its interval has passed, else alone after it (or with text before). */
	private queuePrompt(entries: AwarenessEntry[], interval: number, now: number) {
		const cadence = this.promptPresence
		cadence.add(entries)
		const wait = cadence.sentAt + interval - now
		if (wait <= 0) return this.scheduleFlush()
		cadence.timer ??= setTimeout(() => {
			cadence.timer = null
			this.flushOutgoing('prompt')
		}, wait + PRESENCE_WAIT_FOR_UPDATE_MS)
	}

	/**
	 * The echoing group to get presence next: of those with something waiting, the one that got
	 * some longest ago, once its interval has passed and, since the last group's turn, a share of
	 * it (interval / ECHO_PRESENCE_GROUPS). `wait`: milliseconds until then; 0 or less: now.
	 */
	private nextEchoTurn(now: number, interval: number): { group: number; wait: number } | null {
		let group = -1
		let sentAt = Infinity
		for (let g = 0; g < ECHO_PRESENCE_GROUPS; g++) {
			const cadence = this.echoPresence[g]!
			if (this.echoGroupSizes[g]! > 0 && cadence.pending.size > 0 && cadence.sentAt < sentAt) {
				group = g
				sentAt = cadence.sentAt
			}
		}
		if (group < 0) return null
		return { group, wait: Math.max(sentAt + interval, this.echoTurnAt + interval / ECHO_PRESENCE_GROUPS) - now }
	}

	/** The next echoing group's turn: with the next flush if due, else alone after a wait (or with text before it). */
	private queueEchoTurn(now: number) {
		const interval = this.echoInterval(this.echoing)
		const next = this.nextEchoTurn(now, interval)
		if (!next) return
		if (next.wait <= 0) return this.scheduleFlush()
		// Slowed by the process's budget, presence waits as long again for text to ride with.
		const waitForUpdate = interval > this.promptInterval(this.echoing) ? interval : PRESENCE_WAIT_FOR_UPDATE_MS
		this.echoTimer ??= setTimeout(() => {
			this.echoTimer = null
			this.flushOutgoing('echo')
		}, next.wait + waitForUpdate)
	}

	private clearEchoTimer() {
		if (this.echoTimer) clearTimeout(this.echoTimer)
		this.echoTimer = null
	}

	/**
	 * How often a group of connections may get presence: every PRESENCE_INTERVAL_MS, and a large
	 * room less often, so that it sends at most PRESENCE_FRAMES_BUDGET_PER_S frames a second
	 * (500 people: every 250 ms).
	 */
	private promptInterval(members: number): number {
		return Math.max(PRESENCE_INTERVAL_MS, (1000 * members) / PRESENCE_FRAMES_BUDGET_PER_S)
	}

	/**
	 * …and for echoing connections, also within the process's ECHO_PRESENCE_BUDGET_PER_S, but
	 * never so seldom that their copies of others' presence go stale (ECHO_PRESENCE_MAX_INTERVAL_MS).
	 */
	private echoInterval(members: number): number {
		const budgeted = Math.min((1000 * this.echoCensus.echoing) / this.echoCensus.budgetPerS, this.presence.echoMaxIntervalMs ?? ECHO_PRESENCE_MAX_INTERVAL_MS)
		return Math.max(this.promptInterval(members), budgeted)
	}

	private scheduleFlush() {
		if (this.flushScheduled) return
		this.flushScheduled = true
		setImmediate(() => {
			this.flushScheduled = false
			this.sentThisTick = false
			this.flushOutgoing()
		})
	}

	/**
	 * Sends what is waiting: every update, merged into one and encoded once for all receivers,
	 * then one awareness frame with every changed state. Called at the end of a tick, and at
	 * once for a tick's first client change (receiveUpdate: text only, `withPresence` false).
	 * Under load many messages arrive in one tick and each socket gets two frames for the rest
	 * of them instead of dozens.
	 */
	private flushOutgoing(presenceDue: 'prompt' | 'echo' | null = null, withPresence = true) {
		if (this.destroyed) return
		const updates = this.outUpdates
		this.outUpdates = []
		const now = performance.now()
		const echoing = this.echoing
		const promptPresence = withPresence ? this.promptPresence.take(now, this.promptInterval(this.connections.size - echoing), presenceDue === 'prompt') : null
		// With several authors in one tick, each gets its own changes back inside the merged
		// update: applying known changes is a no-op, and it keeps one encoding for everyone.
		const updateMessages = updates.length > 0 ? mergeInChunks(updates.map((u) => u.update)).map(encodeUpdate) : []
		const origin = updates.length > 0 && updates.every((u) => u.origin === updates[0]!.origin) ? updates[0]!.origin : null
		// The sender gets its own presence back too: for a client alone in a document this is the
		// traffic that tells y-websocket's provider the connection is alive (it drops a socket
		// that received nothing for 30 s). Each socket gets this tick's frames in one write.
		const prompt = framesWith(updateMessages, promptPresence)
		const text = promptPresence ? framesWith(updateMessages, null) : prompt
		// One echoing group at most gets presence in this flush (its turn); the others, the text.
		let turn = -1
		let echo = text
		const next = echoing > 0 && withPresence ? this.nextEchoTurn(now, this.echoInterval(echoing)) : null
		if (next && (next.wait <= 0 || presenceDue === 'echo')) {
			turn = next.group
			echo = framesWith(updateMessages, this.echoPresence[turn]!.take(now, 0, true))
			this.echoTurnAt = now
		}
		if (updateMessages.length === 0 && !promptPresence && turn < 0) return
		for (const conn of this.connections) {
			const group = !conn.echoes ? prompt : conn.echoGroup === turn ? echo : text
			const frames = conn === origin ? group.presenceOnly : group.all
			if (frames.length === 1) send(conn, frames[0]!)
			else if (frames.length > 1) sendAll(conn, frames)
		}
		// The next group's turn comes no sooner than its share of the interval from now.
		if (turn >= 0) {
			this.clearEchoTimer()
			this.queueEchoTurn(now)
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
		if (this.checkpointTimer) clearTimeout(this.checkpointTimer)
		this.promptPresence.dispose()
		for (const cadence of this.echoPresence) cadence.dispose()
		this.clearEchoTimer()
		if (this.renewalTimer) clearTimeout(this.renewalTimer)
		this.renewals.clear()
		// Its echoing connections no longer count against the process's budget, whenever they close.
		this.echoCensus.echoing -= this.echoing
		this.echoing = 0
		this.echoGroupSizes.fill(0)
		if (this.stepOneTimer) clearTimeout(this.stepOneTimer)
		this.stepOneDue = null
		this.guard?.destroy()
		this.built?.destroy()
		this.built = null
		this.encoded = null
	}
}

const NO_FRAMES: readonly Uint8Array[] = []

/** How many connections of the whole process echo presence, and the frames a second they may be sent. */
export type EchoCensus = { echoing: number; budgetPerS: number }

/** AWARENESS_RENEWAL_FORWARD_MS, AWARENESS_RENEWAL_SPREAD_MS and ECHO_PRESENCE_GROUP_SIZE, unless a test sets others. */
export type PresenceSettings = { renewalForwardMs?: number; renewalSpreadMs?: number; echoGroupSize?: number; echoMaxIntervalMs?: number }

type Frames = { all: readonly Uint8Array[]; presenceOnly: readonly Uint8Array[] }

/** A tick's frames for one group of connections: with the text, and for the text's author. */
function framesWith(updateMessages: Uint8Array[], presence: Uint8Array | null): Frames {
	if (!presence) return { all: updateMessages, presenceOnly: NO_FRAMES }
	return { all: [...updateMessages, presence], presenceOnly: [presence] }
}

/**
 * The presence waiting for one group of a room's connections: the latest state of each client
 * changed since the group last got some, when that was, and the timer that sends it alone.
 */
class PresenceCadence {
	readonly pending = new Map<number, AwarenessEntry>()
	sentAt = -Infinity
	timer: ReturnType<typeof setTimeout> | null = null

	add(entries: Iterable<AwarenessEntry>) {
		for (const entry of entries) this.pending.set(entry.clientId, entry)
	}

	/** Forgets what waits (nobody left to send it to). */
	clear() {
		this.pending.clear()
		this.dispose()
	}

	/** The waiting states as one frame, if `interval` has passed since the last (or `due`); else null. */
	take(now: number, interval: number, due: boolean): Uint8Array | null {
		if (this.pending.size === 0 || (!due && now < this.sentAt + interval)) return null
		const frame = encodeAwareness(encodeAwarenessEntries(this.pending.values()))
		this.pending.clear()
		this.sentAt = now
		this.dispose()
		return frame
	}

	dispose() {
		if (this.timer) clearTimeout(this.timer)
		this.timer = null
	}
}

/** The whole document, if storage holds it as one piece: a checkpoint alone, a single log row, or nothing yet. */
function wholeOf(stored: StoredDocument): Uint8Array | null {
	if (stored.tail.length === 0) return stored.checkpoint ?? EMPTY_UPDATE
	if (!stored.checkpoint && stored.tail.length === 1) return stored.tail[0]!
	return null
}

/** A document's stored bytes could not be read (Room.readStored). */
export class StoredStateError extends Error {
	constructor(documentId: string, cause: unknown) {
		super(`The stored state of document ${documentId} cannot be read`, { cause })
	}
}

/** The origin of the server's own changes, with the person they are made for. */
class ServerEdit {
	constructor(readonly author: Author) {}
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

/** Sends, then calls `sent` once the bytes have left the process (at once for a socket that cannot tell, or a closed connection). */
function sendThen(conn: Connection, data: Uint8Array, sent: () => void) {
	if (conn.closed) return
	if (!conn.socket.sendThen) {
		send(conn, data)
		return sent()
	}
	try {
		conn.socket.sendThen(data, sent)
	} catch {
		// as in send()
	}
}

function sendAll(conn: Connection, frames: readonly Uint8Array[]) {
	if (conn.closed) return
	if (!conn.socket.sendAll) return frames.forEach((frame) => send(conn, frame))
	try {
		conn.socket.sendAll(frames)
	} catch {
		// as in send()
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
 * A client's presence as others receive it: its caret if well formed (sanitizePresence), and
 * `user` set from the authenticated identity, so presence can be neither forged nor used to
 * break other people's editors.
 */
function stampState(state: Record<string, unknown>, identity: Identity): string {
	// The same text as JSON.stringify({ ...sanitizePresence(state), user }), with the identity's
	// part encoded once per connection rather than at every caret move.
	const { cursor } = sanitizePresence(state)
	return `{"cursor":${cursor ? JSON.stringify(cursor) : 'null'},"user":${userJsonOf(identity)}}`
}

const userJson = new WeakMap<Identity, string>()

function userJsonOf(identity: Identity): string {
	let json = userJson.get(identity)
	if (json === undefined) {
		json = JSON.stringify({ name: identity.name, delegation: identity.delegationCode, color: identity.color, readOnly: identity.access === 'read' })
		userJson.set(identity, json)
	}
	return json
}

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
			closeConnection(this.conn, CLOSE_CODES.overloaded, 'Too much sent before the document loaded')
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
		closeConnection(this.conn, CLOSE_CODES.unavailable, 'Document could not be loaded')
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
		publishDocumentEvent(documentId, notice)
	}

	/**
	 * Attaches a socket to a document. Returns the handlers the transport calls for each frame
	 * and on close; frames that arrive before the document is loaded are queued.
	 */
	connect(documentId: string, socket: SyncSocket, identity: Identity, options: { wantsAcks?: boolean } = {}): ConnectionHandle {
		const conn: Connection = {
			socket,
			identity,
			wantsAcks: options.wantsAcks ?? false,
			interest: new Set(),
			acked: new Map(),
			deniedWrites: 0,
			echoes: false,
			echoGroup: 0,
			closed: false,
		}
		const handle = new ConnectionHandle(this.lifecycle, documentId, conn)
		if (this.closing) closeConnection(conn, CLOSE_CODES.goingAway, 'Server restarting')
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
		this.log.dispose()
	}
}
