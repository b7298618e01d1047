import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { MAX_PENDING_UPGRADES } from '#app/domain/constants.ts'
import type { UpgradeAuth, UpgradeRequest } from '#app/domain/sync-admission.ts'
import type { Logger } from './connection.ts'
import { provenanceOf } from './origin.ts'

export const SYNC_PATH_PREFIX = '/sync/'

export type Admitted = Extract<UpgradeAuth, { ok: true }>

/**
 * The way in: an HTTP upgrade on /sync/<document slug>. Refused as HTTP before any WebSocket
 * exists when the server is stopping or too many upgrades wait for authentication (503), or a
 * page of another origin sent it (403). Otherwise authenticated; a socket that may not in is
 * accepted only to be closed with its named code (4401, 4403, 4404), so that a browser learns
 * why — a refused upgrade reaches a page as a bare 1006.
 */
export function upgradeHandler({
	httpServer,
	wss,
	authenticate,
	allowedOrigins,
	logger,
	isClosing,
	admit,
}: {
	httpServer: Server
	wss: WebSocketServer
	authenticate: (request: UpgradeRequest) => Promise<UpgradeAuth>
	allowedOrigins: readonly string[]
	logger: Logger
	isClosing: () => boolean
	admit: (ws: WebSocket, auth: Admitted, wantsAcks: boolean) => void
}) {
	let pending = 0
	// One listener for every socket: a closure made per upgrade would keep that upgrade's
	// request (headers and all) alive as long as the socket lives.
	const onSocketError = (error: Error) => logger.warn('[sync] upgrade socket error:', error.message)
	return (request: IncomingMessage, socket: Duplex, head: Buffer) => {
		const url = new URL(request.url ?? '/', 'http://localhost')
		if (!url.pathname.startsWith(SYNC_PATH_PREFIX)) {
			// Another listener (Vite's HMR in development) may want it; if none, don't leave it hanging.
			if (httpServer.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404, 'Not Found')
			return
		}
		socket.on('error', onSocketError)
		if (isClosing() || pending >= MAX_PENDING_UPGRADES) return rejectUpgrade(socket, 503, 'Service Unavailable')
		if (!isOriginAllowed(request, allowedOrigins)) return rejectUpgrade(socket, 403, 'Forbidden')
		pending++
		const upgrade: UpgradeRequest = { slug: slugOf(url), cookieHeader: request.headers.cookie, token: url.searchParams.get('token') }
		authenticate(upgrade)
			.then((auth) => {
				if (socket.destroyed) return
				if (isClosing()) return rejectUpgrade(socket, 503, 'Service Unavailable')
				wss.handleUpgrade(request, socket, head, (ws) => {
					if (!auth.ok) return ws.close(auth.code, auth.reason)
					admit(ws, auth, url.searchParams.get('acks') === '1')
				})
			})
			.catch((error) => {
				logger.error('[sync] authenticating an upgrade failed:', error)
				rejectUpgrade(socket, 500, 'Internal Server Error')
			})
			.finally(() => pending--)
	}
}

function slugOf(url: URL): string {
	try {
		return decodeURIComponent(url.pathname.slice(SYNC_PATH_PREFIX.length))
	} catch {
		return ''
	}
}

/**
 * Browsers always send Origin on WebSocket upgrades; a page of another site, or of another port
 * of this host, must not ride on a delegate's cookie (cross-site WebSocket hijacking). The same
 * decision as for the web app's changes (server/origin.ts). Non-browser clients send none and
 * must use a token or a cookie they hold.
 */
export function isOriginAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
	return provenanceOf(request.headers, allowed) !== 'foreign'
}

function rejectUpgrade(socket: Duplex, status: number, text: string) {
	if (socket.destroyed) return
	socket.once('finish', () => socket.destroy())
	socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`)
}
