import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import {
	ACCESS_SWEEP_MS,
	CONNECTION_BYTES_BURST,
	CONNECTION_BYTES_PER_S,
	CONNECTION_MESSAGES_BURST,
	CONNECTION_MESSAGES_PER_S,
	CONNECTION_OVER_BUDGET_MS,
	CONNECTION_PACE_MS,
	MAX_BUFFERED_BYTES,
	MAX_MESSAGE_BYTES,
	MAX_PENDING_UPGRADES,
	MAX_QUEUED_BYTES,
	MAX_SOCKETS_PER_USER,
	PING_INTERVAL_MS,
	CLOSE_GRACE_MS,
} from '#app/domain/constants.ts'
import { SendBudget, type BudgetLimits } from './budget.ts'
import { provenanceOf } from './origin.ts'
import { HEARTBEAT, isHeartbeat } from './protocol.ts'
import { appendDocumentUpdates, loadDocumentLog, writeCheckpoint } from '#app/models/document-log.server.ts'
import { setLiveDocuments } from '#app/utils/live-documents.server.ts'
import { getLiveSessions } from '#app/models/session.server.ts'
import { onAccessChanged, onSessionEnded } from '#app/utils/session-events.server.ts'
import { AccessWatch, type AccessSources } from './access-watch.ts'
import { authenticateUpgrade, forgetMeetingAccess, participantsOf, type UpgradeAuth, type UpgradeRequest } from './auth.ts'
import type { Persistence } from './persistence.ts'
import { RoomManager, type Logger, type SyncSocket } from './rooms.ts'

export const SYNC_PATH_PREFIX = '/sync/'

export type SyncServerOptions = {
	/** Defaults to the session cookie / sync token check against the database. */
	authenticate?: (request: UpgradeRequest) => Promise<UpgradeAuth>
	/** Defaults to the Prisma-backed update log. */
	persistence?: Persistence
	/** Origins allowed besides the server's own (from the Host header). */
	allowedOrigins?: string[]
	logger?: Logger
	unloadDelayMs?: number
	/** MAX_DOCUMENT_BYTES, unless a test sets another. */
	maxDocumentBytes?: number
	/** Make these rooms the ones the web routes change (app/utils/live-documents.server.ts). Default true. */
	registerLive?: boolean
	/**
	 * Multiplies what one connection may send (CONNECTION_MESSAGES_PER_S and the rest); default 1.
	 * Only for bulk imports and the benchmark's ingest (SYNC_CONNECTION_BUDGET): at 1 it is what
	 * keeps a flooding client from slowing the room.
	 */
	connectionBudgetScale?: number
	/** Defaults to the database's sessions and meeting people (databaseAccessSources). */
	accessSources?: AccessSources
}

export type SyncServer = {
	rooms: RoomManager
	/** Closes every connection (1001), writes every room, detaches from the HTTP server. */
	close(): Promise<void>
}

/** Sessions and meeting people from the app's database, as the upgrade reads them. */
export const databaseAccessSources: AccessSources = {
	liveSessions: (ids) => getLiveSessions(ids),
	participants: (meetingId) => participantsOf(meetingId),
	forget: (meetingId) => forgetMeetingAccess(meetingId),
}

/** The update log on the app's database, through app/models. */
export const prismaPersistence: Persistence = {
	load: (documentId) => loadDocumentLog({ documentId }),
	append: (rows) => appendDocumentUpdates({ rows }),
	checkpoint: (documentId, state, upToSeq) => writeCheckpoint({ documentId, state, upToSeq }),
}

/**
 * Attaches Accord's sync server to an HTTP server: WebSocket upgrades on /sync/<document slug>
 * speak the y-websocket protocol. Authentication happens in the upgrade listener; the socket
 * is then accepted only to be closed with a named code (4401/4403/4404) so that browsers learn
 * why — a refused HTTP upgrade reaches a page as a bare 1006. A bad Origin is refused as HTTP 403.
 */
export function attachSyncServer(httpServer: Server, options: SyncServerOptions = {}): SyncServer {
	const logger = options.logger ?? console
	const scale = options.connectionBudgetScale ?? 1
	const budgetLimits: BudgetLimits = {
		messagesPerS: CONNECTION_MESSAGES_PER_S * scale,
		messagesBurst: CONNECTION_MESSAGES_BURST * scale,
		bytesPerS: CONNECTION_BYTES_PER_S * scale,
		bytesBurst: CONNECTION_BYTES_BURST * scale,
	}
	const authenticate = options.authenticate ?? authenticateUpgrade
	const rooms = new RoomManager({
		persistence: options.persistence ?? prismaPersistence,
		logger,
		unloadDelayMs: options.unloadDelayMs,
		maxDocumentBytes: options.maxDocumentBytes,
	})
	const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false })
	const alive = new WeakMap<WebSocket, boolean>()
	let pendingUpgrades = 0
	let closing = false

	// One listener for every socket: a closure made inside onUpgrade would keep that upgrade's
	// request (headers and all) alive as long as the socket lives.
	const onSocketError = (error: Error) => logger.warn('[sync] upgrade socket error:', error.message)

	const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
		const url = new URL(request.url ?? '/', 'http://localhost')
		if (!url.pathname.startsWith(SYNC_PATH_PREFIX)) {
			// Another listener (Vite's HMR in development) may want it; if none, don't leave it hanging.
			if (httpServer.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404, 'Not Found')
			return
		}
		socket.on('error', onSocketError)
		if (closing) return rejectUpgrade(socket, 503, 'Service Unavailable')
		if (pendingUpgrades >= MAX_PENDING_UPGRADES) return rejectUpgrade(socket, 503, 'Service Unavailable')
		if (!isOriginAllowed(request, options.allowedOrigins ?? [])) return rejectUpgrade(socket, 403, 'Forbidden')
		let slug: string
		try {
			slug = decodeURIComponent(url.pathname.slice(SYNC_PATH_PREFIX.length))
		} catch {
			slug = ''
		}
		pendingUpgrades++
		const upgradeRequest: UpgradeRequest = { slug, cookieHeader: request.headers.cookie, token: url.searchParams.get('token') }
		authenticate(upgradeRequest)
			.then((auth) => {
				if (socket.destroyed) return
				if (closing) return rejectUpgrade(socket, 503, 'Service Unavailable')
				wss.handleUpgrade(request, socket, head, (ws) => {
					if (!auth.ok) return ws.close(auth.code, auth.reason)
					serve(ws, auth, url.searchParams.get('acks') === '1')
				})
			})
			.catch((error) => {
				logger.error('[sync] authenticating an upgrade failed:', error)
				rejectUpgrade(socket, 500, 'Internal Server Error')
			})
			.finally(() => pendingUpgrades--)
	}

	/** Every open socket, held to the session and access it was admitted with. */
	const watch = new AccessWatch<WebSocket>(options.accessSources ?? databaseAccessSources, (ws, code, reason) => closeNow(ws, code, reason), logger)
	const stopSessions = onSessionEnded((ended) => watch.sessionEnded(ended))
	const stopAccess = onAccessChanged((meetingId) => void watch.accessChanged(meetingId))
	const sweeper = setInterval(() => void watch.sweep(), ACCESS_SWEEP_MS)
	sweeper.unref()

	/** Open sync sockets per person (MAX_SOCKETS_PER_USER). */
	const socketsOf = new Map<string, number>()

	function serve(ws: WebSocket, auth: Extract<UpgradeAuth, { ok: true }>, wantsAcks: boolean) {
		const userId = auth.identity.userId
		const open = socketsOf.get(userId) ?? 0
		if (open >= MAX_SOCKETS_PER_USER) return ws.close(CLOSE_CODES.tooManyConnections, 'Too many connections')
		socketsOf.set(userId, open + 1)
		ws.once('close', () => {
			const n = (socketsOf.get(userId) ?? 1) - 1
			if (n <= 0) socketsOf.delete(userId)
			else socketsOf.set(userId, n)
		})
		alive.set(ws, true)
		watch.add(ws, { sessionId: auth.sessionId, userId, meeting: auth.meeting, access: auth.identity.access })
		ws.on('close', () => watch.remove(ws))
		const handle = rooms.connect(
			auth.documentId,
			new WsSyncSocket(ws),
			auth.identity,
			{ wantsAcks },
		)
		// The page's heartbeat is answered here, ahead of any room (a document still loading), and
		// within the connection's budget like any other frame.
		const inbox = new Inbox(ws, budgetLimits, (frame) => (isHeartbeat(frame) ? void (canSend(ws) && ws.send(HEARTBEAT, BINARY)) : handle.receive(frame)))
		ws.on('message', (data: RawData, isBinary: boolean) => {
			if (!isBinary) {
				closeNow(ws, CLOSE_CODES.badMessage, 'Binary frames only')
				return handle.close()
			}
			inbox.push(toUint8Array(data))
		})
		ws.on('close', () => inbox.clear())
		ws.on('pong', () => alive.set(ws, true))
		ws.on('close', () => handle.close())
		// ws closes the socket itself after an error (e.g. 1009 for a frame over maxPayload).
		ws.on('error', (error) => logger.warn(`[sync] connection of ${auth.identity.delegationCode} closed: ${error.message}`))
	}

	const pinger = setInterval(() => {
		for (const ws of wss.clients) {
			if (alive.get(ws) === false) {
				ws.terminate()
				continue
			}
			alive.set(ws, false)
			ws.ping()
		}
	}, PING_INTERVAL_MS)
	pinger.unref()

	httpServer.on('upgrade', onUpgrade)
	// The web routes make their changes to live documents through these rooms.
	if (options.registerLive !== false) setLiveDocuments(rooms)

	return {
		rooms,
		async close() {
			closing = true
			clearInterval(pinger)
			clearInterval(sweeper)
			stopSessions()
			stopAccess()
			httpServer.off('upgrade', onUpgrade)
			if (options.registerLive !== false) setLiveDocuments(null)
			await rooms.closeAll()
			for (const ws of wss.clients) ws.terminate()
			await new Promise<void>((resolve) => wss.close(() => resolve()))
		},
	}
}

/**
 * What one connection sent, handed to its room at the pace of its budget (SendBudget). Within
 * the budget a frame goes straight through; past it, the socket stops being read and what was
 * already read waits here, taken in batches on a timer (at least CONNECTION_PACE_MS apart: a
 * batch is handled in one tick, so the room sends it on as one frame), and other connections'
 * frames are handled in between. Bounded: a connection whose waiting frames pass
 * MAX_QUEUED_BYTES, or that stays past its budget for CONNECTION_OVER_BUDGET_MS, is closed.
 */
class Inbox {
	private readonly budget: SendBudget
	private readonly waiting: Uint8Array[] = []
	private waitingBytes = 0
	private timer: ReturnType<typeof setTimeout> | null = null
	/** Closing: nothing more it sent reaches the room. */
	private closed = false
	/** When this connection went past its budget and stayed there (null: within it). */
	private overSince: number | null = null

	constructor(
		private readonly ws: WebSocket,
		limits: BudgetLimits,
		private readonly receive: (frame: Uint8Array) => void,
	) {
		this.budget = new SendBudget(limits, performance.now())
	}

	push(frame: Uint8Array) {
		if (this.closed || this.ws.readyState !== this.ws.OPEN) return
		if (this.timer === null && this.waiting.length === 0) return this.take(frame)
		this.waiting.push(frame)
		this.waitingBytes += frame.length
		if (this.waitingBytes > MAX_QUEUED_BYTES) {
			this.clear()
			closeNow(this.ws, CLOSE_CODES.sendingTooFast, 'Sending too fast')
		}
	}

	private take(frame: Uint8Array) {
		this.receive(frame)
		const now = performance.now()
		const wait = this.budget.take(frame.length, now)
		if (wait === 0) {
			if (this.budget.rested) this.overSince = null
			return
		}
		this.overSince ??= now
		if (now - this.overSince > CONNECTION_OVER_BUDGET_MS) {
			this.clear()
			closeNow(this.ws, CLOSE_CODES.sendingTooFast, 'Sending too fast')
			return
		}
		if (this.ws.readyState === this.ws.OPEN) this.ws.pause()
		this.timer = setTimeout(this.drain, Math.max(wait, CONNECTION_PACE_MS))
	}

	private readonly drain = () => {
		this.timer = null
		while (this.waiting.length > 0 && this.timer === null) {
			const frame = this.waiting.shift()!
			this.waitingBytes -= frame.length
			this.take(frame)
		}
		if (this.timer === null && this.ws.readyState === this.ws.OPEN) this.ws.resume()
	}

	clear() {
		this.closed = true
		if (this.timer) clearTimeout(this.timer)
		this.timer = null
		this.waiting.length = 0
		this.waitingBytes = 0
	}
}

function toUint8Array(data: RawData): Uint8Array {
	if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
	if (data instanceof ArrayBuffer) return new Uint8Array(data)
	return data
}

/**
 * Browsers always send Origin on WebSocket upgrades; a page of another site, or of another port
 * of this host, must not ride on a delegate's cookie (cross-site WebSocket hijacking). The same
 * decision as for the web app's changes (server/origin.ts). Non-browser clients send none and
 * must use a token or a cookie they hold.
 */
export function isOriginAllowed(request: IncomingMessage, allowed: string[]): boolean {
	return provenanceOf(request.headers, allowed) !== 'foreign'
}

const BINARY = { binary: true } as const

/**
 * A room's view of a WebSocket. A class rather than an object of closures: the server runs
 * through tsx, whose compiler gives every named function its own property store (~300 bytes),
 * and this object lives as long as the connection (ADR 006, item 11).
 *
 * Small messages go out already framed: a room hands the same message (or the same list of
 * them) to every receiver, so it is framed once (framedOnce) and each socket gets one plain
 * write of the same bytes, instead of `ws` framing it again per socket (ADR 006, item 26).
 */
class WsSyncSocket implements SyncSocket {
	constructor(private readonly ws: WebSocket) {}

	send(data: Uint8Array) {
		this.write(data)
	}

	sendThen(data: Uint8Array, sent: () => void) {
		this.write(data, sent)
	}

	/**
	 * `sent`, if given, is called once the bytes are handed to the system (or the write failed:
	 * the close handler then cleans up, and a room sends nothing more to a closed connection).
	 */
	private write(data: Uint8Array, sent?: () => void) {
		if (!canSend(this.ws)) return
		const framed = framedOnce(data)
		const raw = framed && rawSocket(this.ws)
		if (raw) raw.write(framed, sent && (() => sent()))
		else this.ws.send(data, BINARY, sent && (() => sent()))
	}

	sendAll(frames: readonly Uint8Array[]) {
		if (!canSend(this.ws)) return
		const framed = framedOnce(frames)
		const raw = rawSocket(this.ws)
		if (framed && raw) return void raw.write(framed)
		// Corked, the frames leave in one write (one system call) instead of one each.
		raw?.cork()
		for (const frame of frames) this.ws.send(frame, BINARY)
		raw?.uncork()
	}

	close(code: number, reason: string) {
		closeNow(this.ws, code, reason)
	}
}

/**
 * Closes with a code and reason, and ends the socket soon after without waiting for the client's
 * reply to the close: a paused socket (a client past its budget) would never read it, and its
 * reply waits behind whatever it sent that was not read. The room's clean-up runs on 'close'.
 */
function closeNow(ws: WebSocket, code: number, reason: string) {
	ws.close(code, reason)
	setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref()
}

/**
 * Whether a socket may be sent to. A client that cannot keep up (a dead link the OS has not
 * noticed yet) is cut off rather than buffered without limit; it resyncs when it reconnects.
 */
function canSend(ws: WebSocket): boolean {
	if (ws.readyState !== ws.OPEN) return false
	if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
		ws.close(CLOSE_CODES.overloaded, 'Too far behind')
		return false
	}
	return true
}

type RawSocket = { cork(): void; uncork(): void; write(data: Uint8Array, callback?: () => void): boolean }

/** The TCP socket under a `ws` WebSocket (not in its typings; absent once it is closed). */
function rawSocket(ws: WebSocket): RawSocket | null {
	const raw = (ws as unknown as { _socket?: Partial<Record<keyof RawSocket, unknown>> })._socket
	return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' && typeof raw.write === 'function' ? (raw as RawSocket) : null
}

/**
 * Messages up to this size are framed by the server itself, once for all receivers (larger
 * ones, a whole document for a joining client, go through `ws`, which does not copy them).
 */
const MAX_PREFRAMED_BYTES = 16 * 1024

/**
 * The framed bytes of a message or list, by its identity: built at the first receiver (null
 * when a message is too large to copy, decided once too).
 */
const framedCache = new WeakMap<object, Buffer | null>()

function framedOnce(key: Uint8Array | readonly Uint8Array[]): Buffer | null {
	let framed = framedCache.get(key)
	if (framed === undefined) {
		const messages = key instanceof Uint8Array ? [key] : key
		framed = messages.every((m) => m.byteLength <= MAX_PREFRAMED_BYTES) ? frameBinary(messages) : null
		framedCache.set(key, framed)
	}
	return framed
}

/**
 * WebSocket frames (RFC 6455 §5.2) as a server sends them: final, binary, unmasked, one per
 * message, back to back. Compression is off (perMessageDeflate: false), so this is all `ws`
 * itself would write.
 */
export function frameBinary(messages: readonly Uint8Array[]): Buffer {
	let size = 0
	for (const m of messages) size += headerLength(m.byteLength) + m.byteLength
	const out = Buffer.allocUnsafe(size)
	let at = 0
	for (const m of messages) {
		const length = m.byteLength
		out[at++] = 0x82 // FIN, opcode 2 (binary)
		if (length < 126) out[at++] = length
		else if (length < 65_536) {
			out[at++] = 126
			out.writeUInt16BE(length, at)
			at += 2
		} else {
			out[at++] = 127
			out.writeBigUInt64BE(BigInt(length), at)
			at += 8
		}
		out.set(m, at)
		at += length
	}
	return out
}

function headerLength(length: number): number {
	return length < 126 ? 2 : length < 65_536 ? 4 : 10
}

function rejectUpgrade(socket: Duplex, status: number, text: string) {
	if (socket.destroyed) return
	socket.once('finish', () => socket.destroy())
	socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`)
}
