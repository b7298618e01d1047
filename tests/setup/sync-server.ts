import { createServer } from 'node:http'
import * as decoding from 'lib0/decoding'
import type { AddressInfo } from 'node:net'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { setLiveDocuments } from '#app/utils/live-documents.server.ts'
import { syncPorts } from '#app/utils/sync-access.server.ts'
import { attachSyncServer, type SyncServerOptions } from '#server/index.ts'
import { quietLogger } from './test-env.ts'

/** The sync server on its own HTTP server, port 0, loopback. Close it with `close()`. */
export async function startSyncServer(options: Partial<SyncServerOptions> & { registerLive?: boolean } = {}) {
	const httpServer = createServer((_req, res) => {
		res.statusCode = 404
		res.end()
	})
	const { registerLive = true, ...rest } = options
	const sync = attachSyncServer(httpServer, { ...syncPorts, logger: quietLogger, unloadDelayMs: 50, ...rest })
	// As server/main.ts does: the web routes change live documents through these rooms.
	if (registerLive) setLiveDocuments(sync.rooms)
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
	const { port } = httpServer.address() as AddressInfo
	return {
		port,
		url: `ws://127.0.0.1:${port}/sync`,
		sync,
		httpServer,
		async close() {
			if (registerLive) setLiveDocuments(null)
			await sync.close()
			httpServer.closeAllConnections()
			await new Promise<void>((resolve) => httpServer.close(() => resolve()))
		},
	}
}

/**
 * A real y-websocket client (the browser provider, running in Node on `ws`), authenticated
 * with a Cookie header or `?token=`.
 */
export function connectClient(
	url: string,
	slug: string,
	auth: { cookie?: string; token?: string; origin?: string } = {},
	options: { params?: Record<string, string>; doc?: Y.Doc } = {},
) {
	const doc = options.doc ?? new Y.Doc()
	const headers: Record<string, string> = {}
	if (auth.cookie) headers.cookie = auth.cookie
	if (auth.origin) headers.origin = auth.origin
	class AuthWebSocket extends WebSocket {
		constructor(address: string, protocols?: string | string[]) {
			super(address, protocols, { headers })
		}
	}
	const provider = new WebsocketProvider(url, slug, doc, {
		WebSocketPolyfill: AuthWebSocket as unknown as typeof globalThis.WebSocket,
		params: { ...(auth.token ? { token: auth.token } : {}), ...options.params },
		disableBc: true,
		maxBackoffTime: 500,
	})
	const closes: { code: number; reason: string }[] = []
	const denied: string[] = []
	provider.on('connection-close', (event) => {
		if (event) closes.push({ code: event.code, reason: event.reason })
	})
	// y-websocket reports permission-denied with console.warn; record it instead.
	provider.messageHandlers[2] = (_encoder, decoder) => {
		decoding.readVarUint(decoder) // permission-denied
		denied.push(decoding.readVarString(decoder))
	}
	// Accord's acknowledgements (with `params: { acks: '1' }`): how much of this client's own
	// changes the server has written to its database.
	let savedClock = 0
	provider.messageHandlers[100] = (_encoder, decoder) => {
		const sv = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
		savedClock = Math.max(savedClock, sv.get(doc.clientID) ?? 0)
	}
	return {
		doc,
		provider,
		closes,
		denied,
		savedClock: () => savedClock,
		synced: () => provider.synced,
		destroy() {
			provider.destroy()
			doc.destroy()
		},
	}
}

/** Opens a raw socket and returns how it was closed (or that it opened and stayed open). */
export function rawConnect(url: string, headers: Record<string, string> = {}) {
	const ws = new WebSocket(url, { headers })
	ws.binaryType = 'nodebuffer'
	const messages: Buffer[] = []
	ws.on('message', (data: Buffer) => messages.push(data))
	const closed = new Promise<{ code: number; reason: string }>((resolve) => {
		ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
		ws.on('error', () => {})
	})
	const opened = new Promise<boolean>((resolve) => {
		ws.on('open', () => resolve(true))
		ws.on('unexpected-response', (_req, res) => {
			resolve(false)
			ws.emit('close', res.statusCode ?? 0, Buffer.from('http'))
		})
		ws.on('error', () => resolve(false))
	})
	return { ws, messages, closed, opened }
}
