import type { Server } from 'node:http'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { CLOSE_EVENTS } from '#app/domain/close-codes.ts'
import {
	ACCESS_SWEEP_MS,
	CONNECTION_BYTES_BURST,
	CONNECTION_BYTES_PER_S,
	CONNECTION_MESSAGES_BURST,
	CONNECTION_MESSAGES_PER_S,
	MAX_MESSAGE_BYTES,
	MAX_SOCKETS_PER_USER,
	PING_INTERVAL_MS,
} from '#app/domain/constants.ts'
import type { AccessSources, SyncEvents, UpgradeAuth, UpgradeRequest } from '#app/domain/sync-admission.ts'
import { AccessWatch } from './access-watch.ts'
import type { BudgetLimits } from './budget.ts'
import type { Logger } from './connection.ts'
import type { Persistence } from './persistence.ts'
import { isHeartbeat } from './protocol.ts'
import { RoomManager } from './room-manager.ts'
import { answerHeartbeat, closeNow, Inbox, toUint8Array, WsSyncSocket } from './transport.ts'
import { upgradeHandler, type Admitted } from './upgrade.ts'

export { frameBinary } from './framing.ts'
export { isOriginAllowed, SYNC_PATH_PREFIX } from './upgrade.ts'

/**
 * Accord's sync server, composed: the way in (server/upgrade.ts: origin, cap, authentication),
 * the rooms (server/room-manager.ts, server/room.ts), the WebSocket transport
 * (server/transport.ts), and the watch that keeps open sockets to their session and access
 * (server/access-watch.ts).
 */

export type SyncServerOptions = {
	/** Who is connecting and with what access (the app's policy: app/utils/sync-access.server.ts). */
	authenticate: (request: UpgradeRequest) => Promise<UpgradeAuth>
	/** What keeps open sockets to their session and access. */
	accessSources: AccessSources
	/** Where each document's update log and checkpoints are kept. */
	persistence: Persistence
	/** Sessions ended and access changed, as the app makes them; notices for pages without a socket. */
	events: SyncEvents
	/** Origins allowed besides the server's own (from the Host header). */
	allowedOrigins?: string[]
	logger?: Logger
	unloadDelayMs?: number
	/** MAX_DOCUMENT_BYTES, unless a test sets another. */
	maxDocumentBytes?: number
	/**
	 * Multiplies what one connection may send (CONNECTION_MESSAGES_PER_S and the rest); default 1.
	 * Only for bulk imports and the benchmark's ingest (SYNC_CONNECTION_BUDGET): at 1 it is what
	 * keeps a flooding client from slowing the room.
	 */
	connectionBudgetScale?: number
}

export type SyncServer = {
	rooms: RoomManager
	/** Closes every connection (1001), writes every room, detaches from the HTTP server. */
	close(): Promise<void>
}

/**
 * Attaches Accord's sync server to an HTTP server: WebSocket upgrades on /sync/<document slug>
 * speak the y-websocket protocol.
 */
export function attachSyncServer(httpServer: Server, options: SyncServerOptions): SyncServer {
	const logger = options.logger ?? console
	const scale = options.connectionBudgetScale ?? 1
	const budgetLimits: BudgetLimits = {
		messagesPerS: CONNECTION_MESSAGES_PER_S * scale,
		messagesBurst: CONNECTION_MESSAGES_BURST * scale,
		bytesPerS: CONNECTION_BYTES_PER_S * scale,
		bytesBurst: CONNECTION_BYTES_BURST * scale,
	}
	const rooms = new RoomManager({
		persistence: options.persistence,
		publish: options.events.publish,
		logger,
		unloadDelayMs: options.unloadDelayMs,
		maxDocumentBytes: options.maxDocumentBytes,
	})
	const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false })
	const alive = new WeakMap<WebSocket, boolean>()
	let closing = false

	/** Every open socket, held to the session and access it was admitted with. */
	const watch = new AccessWatch<WebSocket>(options.accessSources, (ws, event) => closeNow(ws, event), logger)
	const stopSessions = options.events.onSessionEnded((ended) => watch.sessionEnded(ended))
	const stopAccess = options.events.onAccessChanged((meetingId) => void watch.accessChanged(meetingId))
	const sweeper = setInterval(() => void watch.sweep(), ACCESS_SWEEP_MS)
	sweeper.unref()

	/** Open sync sockets per person (MAX_SOCKETS_PER_USER). */
	const socketsOf = new Map<string, number>()

	function admit(ws: WebSocket, auth: Admitted, wantsAcks: boolean) {
		const userId = auth.identity.userId
		const open = socketsOf.get(userId) ?? 0
		if (open >= MAX_SOCKETS_PER_USER) return ws.close(CLOSE_EVENTS.tooManyConnections.code, CLOSE_EVENTS.tooManyConnections.reason)
		socketsOf.set(userId, open + 1)
		alive.set(ws, true)
		watch.add(ws, { sessionId: auth.sessionId, userId, meeting: auth.meeting, access: auth.identity.access })
		const handle = rooms.connect(auth.documentId, new WsSyncSocket(ws), auth.identity, { wantsAcks })
		// The page's heartbeat is answered here, ahead of any room (a document still loading), and
		// within the connection's budget like any other frame.
		const inbox = new Inbox(ws, budgetLimits, (frame) => (isHeartbeat(frame) ? answerHeartbeat(ws) : handle.receive(frame)))
		ws.on('message', (data: RawData, isBinary: boolean) => {
			if (!isBinary) {
				closeNow(ws, CLOSE_EVENTS.binaryOnly)
				return handle.close()
			}
			inbox.push(toUint8Array(data))
		})
		ws.on('pong', () => alive.set(ws, true))
		ws.once('close', () => {
			const n = (socketsOf.get(userId) ?? 1) - 1
			if (n <= 0) socketsOf.delete(userId)
			else socketsOf.set(userId, n)
			watch.remove(ws)
			inbox.clear()
			handle.close()
		})
		// ws closes the socket itself after an error (e.g. 1009 for a frame over maxPayload).
		ws.on('error', (error) => logger.warn(`[sync] connection of ${auth.identity.delegationCode} closed: ${error.message}`))
	}

	const onUpgrade = upgradeHandler({
		httpServer,
		wss,
		authenticate: options.authenticate,
		allowedOrigins: options.allowedOrigins ?? [],
		logger,
		isClosing: () => closing,
		admit,
	})

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

	return {
		rooms,
		async close() {
			closing = true
			clearInterval(pinger)
			clearInterval(sweeper)
			stopSessions()
			stopAccess()
			httpServer.off('upgrade', onUpgrade)
			await rooms.closeAll()
			for (const ws of wss.clients) ws.terminate()
			await new Promise<void>((resolve) => wss.close(() => resolve()))
		},
	}
}
