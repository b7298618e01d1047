import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { encodeAwarenessUpdate } from 'y-protocols/awareness'
import { useEffect, useState, useSyncExternalStore } from 'react'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CLOSE_CODES, describeCloseCode, isFinalCloseCode } from '#app/domain/close-codes.ts'
import { HEARTBEAT_AFTER_MS, HEARTBEAT_CHECK_MS, HEARTBEAT_DEAD_MS, HEARTBEAT_DEAD_WHILE_SYNCING_MS } from '#app/domain/constants.ts'
import type { LiveNotice } from '#app/domain/sync-admission.ts'
import { MESSAGE_AUTH, MESSAGE_HEARTBEAT, MESSAGE_NOTICE, MESSAGE_SAVED } from '#app/domain/sync-protocol.ts'

/** What the server tells the page besides the text: refetch the negotiation, or a refused change. */
export type SyncNotice = LiveNotice | { type: 'refused'; reason: string }

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'stopped'

export type SyncStatus = {
	connection: ConnectionState
	/** The first full sync with the server has happened on this connection. */
	synced: boolean
	/** A full sync has happened at least once since the page opened (the text shown is real). */
	everSynced: boolean
	/** Local changes the server has not yet written to its database. */
	unsaved: boolean
	/** Why the connection stopped for good (4401/4403/4404), in words. */
	stoppedReason: string | null
}

const INITIAL: SyncStatus = { connection: 'connecting', synced: false, everSynced: false, unsaved: false, stoppedReason: null }

export type SyncSession = {
	doc: Y.Doc
	provider: WebsocketProvider
	status: SyncStore
}

/**
 * The truth about a document's connection, as one small store the page subscribes to:
 * connected / reconnecting / offline, and whether every local change is on the server's disk
 * (from the server's MESSAGE_SAVED acknowledgements, compared with the local Yjs clock).
 */
export class SyncStore {
	private listeners = new Set<() => void>()
	private snapshot: SyncStatus = INITIAL
	private saved = new Map<number, number>()
	private everConnected = false
	private noticeListeners = new Set<(notice: SyncNotice) => void>()
	private heartbeat: ReturnType<typeof setInterval>
	private lastHeartbeatSent = 0

	constructor(
		private readonly doc: Y.Doc,
		private readonly provider: WebsocketProvider,
	) {
		provider.messageHandlers[MESSAGE_SAVED] = (_encoder, decoder) => {
			const sv = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
			for (const [client, clock] of sv) if ((this.saved.get(client) ?? 0) < clock) this.saved.set(client, clock)
			this.update({})
		}
		provider.messageHandlers[MESSAGE_NOTICE] = (_encoder, decoder) => {
			try {
				const notice = JSON.parse(decoding.readVarString(decoder)) as SyncNotice
				if (notice && notice.type === 'negotiation') this.emit(notice)
			} catch {
				// A notice only asks for a refetch; one that does not parse is not worth more.
			}
		}
		// The answer to the heartbeat needs no handling: receiving it is the point.
		provider.messageHandlers[MESSAGE_HEARTBEAT] = () => {}
		provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
			if (decoding.readVarUint(decoder) !== 0) return
			this.emit({ type: 'refused', reason: decoding.readVarString(decoder) })
		}
		provider.on('status', ({ status }) => {
			if (status === 'connected') this.everConnected = true
			this.update({ connection: this.connectionState(status) })
		})
		provider.on('sync', (synced: boolean) => this.update(synced ? { synced, everSynced: true } : { synced }))
		provider.on('closed', ({ code }) => {
			if (isFinalCloseCode(code)) this.stop(describeCloseCode(code) ?? `Disconnected (code ${code}).`)
		})
		provider.on('connection-close', (event) => {
			// A change too large for the server is refused (1009) however often it is re-sent:
			// stop, and say so, instead of reconnecting for ever.
			if (event?.code === CLOSE_CODES.messageTooBig) {
				provider.disconnect()
				this.stop(describeCloseCode(event.code))
			}
			// The person's role or delegation changed: the provider reconnects under the new rules,
			// and the page reloads what it shows (whether it may edit) as for any other notice.
			if (event?.code === CLOSE_CODES.accessChanged) this.emit({ type: 'negotiation', summary: describeCloseCode(event.code)! })
		})
		doc.on('update', this.onDocUpdate)
		this.heartbeat = setInterval(this.checkAlive, HEARTBEAT_CHECK_MS)
		window.addEventListener('online', this.onNetwork)
		window.addEventListener('offline', this.onNetwork)
	}

	private onDocUpdate = () => this.update({})

	/**
	 * y-websocket notices a dead connection only after 30 s without a message. The page asks the
	 * server when it has heard nothing for HEARTBEAT_AFTER_MS and, with nothing for
	 * HEARTBEAT_DEAD_MS, closes the socket the way the provider does itself (status
	 * "disconnected" at once, then reconnection with backoff).
	 */
	private checkAlive = () => {
		const provider = this.provider
		const ws = provider.ws
		if (!provider.wsconnected || !ws || ws.readyState !== ws.OPEN) return
		const now = Date.now()
		// Asked, and nothing heard since (a timer slowed down in a hidden tab only delays the asking).
		if (this.lastHeartbeatSent > provider.wsLastMessageReceived) {
			const dead = provider.synced ? HEARTBEAT_DEAD_MS : HEARTBEAT_DEAD_WHILE_SYNCING_MS
			if (now - this.lastHeartbeatSent < dead - HEARTBEAT_AFTER_MS) return
			this.lastHeartbeatSent = 0
			const close = (ws as WebSocket & { onclose: ((event: CloseEvent | null) => void) | null }).onclose
			// null: closed by this side, as the provider's own watchdog does (it reconnects).
			if (close) close.call(ws, null)
			else ws.close()
			return
		}
		if (now - provider.wsLastMessageReceived > HEARTBEAT_AFTER_MS) {
			this.lastHeartbeatSent = now
			ws.send(new Uint8Array([MESSAGE_HEARTBEAT]))
		}
	}


	private onNetwork = () => {
		this.update({ connection: this.connectionState(this.provider.wsconnected ? 'connected' : 'disconnected') })
	}

	private stop(reason: string | null) {
		this.update({ connection: 'stopped', stoppedReason: reason })
	}

	/** After a final close (e.g. the session ended and the person logged in again in another tab). */
	reconnect = () => {
		this.snapshot = { ...this.snapshot, connection: 'connecting', stoppedReason: null }
		this.provider.connect()
		this.update({})
	}

	/** The socket decides; the browser's offline flag only explains a socket that is down. */
	private connectionState(status: 'connected' | 'connecting' | 'disconnected'): ConnectionState {
		if (this.snapshot.connection === 'stopped') return 'stopped'
		if (status === 'connected') return 'connected'
		if (typeof navigator !== 'undefined' && navigator.onLine === false) return 'offline'
		return this.everConnected ? 'reconnecting' : 'connecting'
	}

	private update(patch: Partial<SyncStatus>) {
		const localClock = Y.getState(this.doc.store, this.doc.clientID)
		const unsaved = localClock > (this.saved.get(this.doc.clientID) ?? 0)
		const next = { ...this.snapshot, ...patch, unsaved }
		if (
			next.connection === this.snapshot.connection &&
			next.synced === this.snapshot.synced &&
			next.everSynced === this.snapshot.everSynced &&
			next.unsaved === this.snapshot.unsaved &&
			next.stoppedReason === this.snapshot.stoppedReason
		) {
			return
		}
		this.snapshot = next
		for (const listener of this.listeners) listener()
	}

	private emit(notice: SyncNotice) {
		for (const listener of this.noticeListeners) listener(notice)
	}

	/** Notices from the server: negotiation changes to refetch, changes it refused. */
	onNotice = (listener: (notice: SyncNotice) => void) => {
		this.noticeListeners.add(listener)
		return () => {
			this.noticeListeners.delete(listener)
		}
	}

	subscribe = (listener: () => void) => {
		this.listeners.add(listener)
		return () => this.listeners.delete(listener)
	}

	getSnapshot = () => this.snapshot

	destroy() {
		clearInterval(this.heartbeat)
		this.doc.off('update', this.onDocUpdate)
		window.removeEventListener('online', this.onNetwork)
		window.removeEventListener('offline', this.onNetwork)
	}
}

/** Opens the document's sync connection in the browser (never during server rendering). */
export function useSyncSession(slug: string): SyncSession | null {
	const [session, setSession] = useState<SyncSession | null>(null)
	useEffect(() => {
		const doc = new Y.Doc()
		const protocol = window.location.protocol === 'https:' ? 'wss' : 'ws'
		const provider = new WebsocketProvider(`${protocol}://${window.location.host}/sync`, slug, doc, {
			params: { acks: '1' },
			maxBackoffTime: 5_000,
			// Tabs sync through the server only: a read-only tab must not feed an editing one.
			disableBc: true,
		})
		sendOnlyOwnAwareness(provider)
		const status = new SyncStore(doc, provider)
		setSession({ doc, provider, status })
		return () => {
			status.destroy()
			provider.destroy()
			doc.destroy()
			setSession(null)
		}
	}, [slug])
	return session
}

/**
 * y-websocket's provider re-sends every awareness change it receives, other people's included
 * (yjs/yjs#732): in a room of N people each cursor move comes back N times. Accord's page sends
 * only its own presence; the server forwards it to everyone.
 */
function sendOnlyOwnAwareness(provider: WebsocketProvider) {
	type Changes = { added: number[]; updated: number[]; removed: number[] }
	const internals = provider as unknown as { _awarenessUpdateHandler: (changes: Changes, origin: unknown) => void }
	const { awareness, doc } = provider
	awareness.off('update', internals._awarenessUpdateHandler)
	internals._awarenessUpdateHandler = ({ added, updated, removed }: Changes) => {
		if (!added.includes(doc.clientID) && !updated.includes(doc.clientID) && !removed.includes(doc.clientID)) return
		const ws = provider.ws
		if (!provider.wsconnected || !ws || ws.readyState !== ws.OPEN) return
		const encoder = encoding.createEncoder()
		encoding.writeVarUint(encoder, 1) // awareness
		encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, [doc.clientID]))
		ws.send(encoding.toUint8Array(encoder))
	}
	awareness.on('update', internals._awarenessUpdateHandler)
}



export function useSyncStatus(store: SyncStore | null): SyncStatus {
	return useSyncExternalStore(
		store?.subscribe ?? noopSubscribe,
		store?.getSnapshot ?? (() => INITIAL),
		() => INITIAL,
	)
}

const noopSubscribe = () => () => {}
