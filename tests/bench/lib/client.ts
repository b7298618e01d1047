import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Socket } from 'node:net'
import { WebSocket, type RawData } from 'ws'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'

/**
 * One simulated editor, speaking a server's wire protocol the way the official providers do,
 * without a browser: a Y.Doc, a y-protocols Awareness, one WebSocket.
 *
 * - 'yws' framing: y-websocket's (message type, then payload): floor relay, y-websocket, Accord.
 * - 'hocuspocus' framing: every message prefixed with the document name, and an Auth message
 *   first (@hocuspocus/provider's HocuspocusProvider.onOpen: token, then sync step 1, then the
 *   local awareness state, without waiting for the server's answer).
 *
 * Like both providers, local document updates are sent as they happen, and every awareness
 * 'update' is sent too; with `echo` that includes updates caused by remote states (yjs/yjs#732:
 * the official providers re-send every remote awareness change they apply). Accord's own client
 * sends only local awareness changes (`echo: false`).
 */
export type Framing = 'yws' | 'hocuspocus'

export type ClientConfig = {
	url: string
	framing: Framing
	/** Document name inside Hocuspocus frames. */
	docName: string
	/** Hocuspocus auth token (any string: the in-memory server authenticates everyone). */
	token?: string
	/** Send sync step 1 on open. Off for the floor relay, which has no document to answer it. */
	handshake: boolean
	echo: boolean
	clientID: number
	/** Applied before connecting (the floor's clients, and seeders of in-memory servers). */
	seed?: Uint8Array
	user: { name: string; color: string }
	/** Set a local awareness state on open (a browser editor always has one). */
	presence?: boolean
	/** false: do not apply remote document changes, pass them to onRemoteUpdate (S4's observer and author). */
	applyRemote?: boolean
}

/** Frames and bytes moved by the clients of one process (read as deltas over a window). */
export type Counters = { sent: number; received: number; sentBytes: number; receivedBytes: number }

export function newCounters(): Counters {
	return { sent: 0, received: 0, sentBytes: 0, receivedBytes: 0 }
}

const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const MESSAGE_AUTH = 2
const MESSAGE_QUERY_AWARENESS = 3
/** Accord: the state vector of this connection's changes now on disk (clients with ?acks=1). */
const MESSAGE_SAVED = 100
/** Hocuspocus message types (@hocuspocus/server types.ts). */
const HP_STATELESS = 5
const HP_CLOSE = 7
const HP_SYNC_STATUS = 8

export class BenchClient {
	readonly doc: Y.Doc
	readonly awareness: awarenessProtocol.Awareness
	ws: WebSocket | null = null
	synced = false
	/** Closed by the server or the network, not by us. */
	unexpectedClose: { code: number; reason: string } | null = null
	permissionDenied: string | null = null
	/** Accord acknowledgements received (state vector of saved changes). */
	saved = new Map<number, number>()
	onSaved: ((saved: Map<number, number>) => void) | null = null
	onRemoteUpdate: ((update: Uint8Array) => void) | null = null
	/** Hocuspocus: SyncStatus acknowledgements received. */
	syncStatusAcks = 0
	private closing = false
	private corked = false
	private dropped = false
	private syncedWaiters: { resolve: () => void; reject: (error: Error) => void }[] = []

	constructor(
		readonly config: ClientConfig,
		private readonly counters: Counters,
	) {
		this.doc = new Y.Doc()
		this.doc.clientID = config.clientID
		if (config.seed) Y.applyUpdate(this.doc, config.seed, 'seed')
		this.awareness = new awarenessProtocol.Awareness(this.doc)
		// Heartbeats are driven by the generator (one timer for all clients, phases under its
		// control), so each Awareness's own 3 s interval is stopped. Remote states then never
		// time out locally, which changes nothing here: every client renews every 15 s.
		clearInterval(this.awareness._checkInterval)
		if (config.presence !== false) this.awareness.setLocalState({ user: config.user })
		this.doc.on('update', this.onDocUpdate)
		this.awareness.on('update', this.onAwarenessUpdate)
	}

	get isOpen(): boolean {
		return this.ws !== null && this.ws.readyState === WebSocket.OPEN
	}

	get fragment(): Y.XmlFragment {
		return this.doc.getXmlFragment(DOCUMENT_FRAGMENT)
	}

	/** Opens the socket; resolves once synced (or open, without handshake). Rejects on close/error. */
	connect(timeoutMs = 60_000): Promise<void> {
		// An all-zero mask (ws skips masking then) spares the generator a random mask and an XOR
		// per frame; the server unmasks every frame the same way whatever the mask.
		const ws = new WebSocket(this.config.url, { perMessageDeflate: false, generateMask: zeroMask })
		this.ws = ws
		this.closing = false
		this.synced = false
		const done = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`not synced within ${timeoutMs} ms`)), timeoutMs)
			this.syncedWaiters.push({
				resolve: () => {
					clearTimeout(timer)
					resolve()
				},
				reject: (error) => {
					clearTimeout(timer)
					reject(error)
				},
			})
		})
		ws.on('open', () => {
			if (this.config.framing === 'hocuspocus') {
				this.sendFrame(this.hp((e) => {
					encoding.writeVarUint(e, MESSAGE_AUTH)
					encoding.writeVarUint(e, 0) // AuthMessageType.Token
					encoding.writeVarString(e, this.config.token ?? '')
				}))
			}
			if (this.config.handshake) {
				this.sendFrame(this.frame((e) => {
					encoding.writeVarUint(e, MESSAGE_SYNC)
					syncProtocol.writeSyncStep1(e, this.doc)
				}))
			}
			if (this.awareness.getLocalState() !== null) {
				this.sendFrame(this.awarenessFrame([this.doc.clientID]))
			}
			if (!this.config.handshake) this.markSynced()
		})
		ws.on('message', (data: RawData) => this.receive(data as Buffer))
		// Events of a socket replaced by a retry are stale: ignore them.
		ws.on('close', (code: number, reason: Buffer) => {
			if (this.ws !== ws) return
			if (!this.closing) this.unexpectedClose = { code, reason: reason.toString() }
			this.failWaiters(new Error(`closed ${code} ${reason.toString()}`))
		})
		ws.on('error', (error: Error) => {
			if (this.ws !== ws) return
			if (!this.closing) this.unexpectedClose ??= { code: 0, reason: error.message }
			this.failWaiters(error)
		})
		return done
	}

	/** Resolves once synced (immediately if already). */
	whenSynced(): Promise<void> {
		if (this.synced) return Promise.resolve()
		return new Promise((resolve, reject) => this.syncedWaiters.push({ resolve, reject }))
	}

	/** The awareness renewal every provider does every 15 s (same state, clock + 1). */
	renewAwareness() {
		const state = this.awareness.getLocalState()
		if (state !== null) this.awareness.setLocalState(state)
	}

	/**
	 * A keystroke: one character into `text` at `index`, then the cursor in awareness as
	 * y-prosemirror (@tiptap/y-tiptap) sets it: a relative position with assoc -1, i.e. anchored
	 * to the character just typed, so the state changes on every keystroke.
	 */
	typeChar(text: Y.XmlText, index: number, char: string) {
		text.insert(index, char)
		const position = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, index + 1, -1))
		this.awareness.setLocalStateField('cursor', { anchor: position, head: position })
	}

	/** Sends a document update as is (S4 replays a recorded history without applying it here). */
	sendUpdate(update: Uint8Array) {
		this.sendFrame(this.frame((e) => {
			encoding.writeVarUint(e, MESSAGE_SYNC)
			syncProtocol.writeUpdate(e, update)
		}))
	}

	/** Bytes the socket has not yet handed to the kernel (for back-pressure). */
	get bufferedAmount(): number {
		return this.ws?.bufferedAmount ?? 0
	}

	close() {
		this.closing = true
		// A graceful close, as a browser tab does; a socket still connecting is dropped.
		const ws = this.ws
		this.ws = null
		if (ws?.readyState === WebSocket.OPEN) ws.close(1000)
		else ws?.terminate()
	}

	/**
	 * Frees this client's document and presence but keeps its socket open and silent (S5: a
	 * thousand sockets keep documents loaded on the server without a thousand copies here).
	 */
	dropState() {
		this.dropped = true
		this.doc.off('update', this.onDocUpdate)
		this.awareness.off('update', this.onAwarenessUpdate)
		this.awareness.destroy()
		this.doc.destroy()
	}

	destroy() {
		this.close()
		if (this.dropped) return
		this.dropped = true
		this.awareness.destroy()
		this.doc.destroy()
	}

	sendFrame(data: Uint8Array) {
		const ws = this.ws
		if (!ws || ws.readyState !== WebSocket.OPEN) return
		this.counters.sent++
		this.counters.sentBytes += data.byteLength
		// Frames sent in one tick (echoes of several frames that arrived together) leave in one
		// write: on this VM a socket write costs ~60 µs of the generator's time. The server gets
		// the same frames, in fewer TCP segments.
		const socket = (ws as unknown as { _socket?: Socket })._socket
		if (socket && !this.corked) {
			this.corked = true
			socket.cork()
			process.nextTick(() => {
				this.corked = false
				socket.uncork()
			})
		}
		ws.send(data, { binary: true })
	}

	private markSynced() {
		if (this.synced) return
		this.synced = true
		const waiters = this.syncedWaiters
		this.syncedWaiters = []
		for (const w of waiters) w.resolve()
	}

	private failWaiters(error: Error) {
		const waiters = this.syncedWaiters
		this.syncedWaiters = []
		for (const w of waiters) w.reject(error)
	}

	/** A frame in this client's framing: Hocuspocus's starts with the document name. */
	private frame(write: (e: encoding.Encoder) => void): Uint8Array {
		return this.config.framing === 'hocuspocus' ? this.hp(write) : yws(write)
	}

	private hp(write: (e: encoding.Encoder) => void): Uint8Array {
		return yws((e) => {
			encoding.writeVarString(e, this.config.docName)
			write(e)
		})
	}

	private awarenessFrame(clients: number[]): Uint8Array {
		const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)
		return this.frame((e) => {
			encoding.writeVarUint(e, MESSAGE_AWARENESS)
			encoding.writeVarUint8Array(e, update)
		})
	}

	private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === this || origin === 'seed') return
		this.sendFrame(this.frame((e) => {
			encoding.writeVarUint(e, MESSAGE_SYNC)
			syncProtocol.writeUpdate(e, update)
		}))
	}

	private readonly onAwarenessUpdate = (
		{ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
		origin: unknown,
	) => {
		if (origin !== 'local' && !this.config.echo) return
		this.sendFrame(this.awarenessFrame(added.concat(updated, removed)))
	}

	private receive(data: Buffer) {
		this.counters.received++
		this.counters.receivedBytes += data.byteLength
		if (this.dropped) return
		const decoder = decoding.createDecoder(data)
		const hocuspocus = this.config.framing === 'hocuspocus'
		if (hocuspocus) decoding.readVarString(decoder)
		const type = decoding.readVarUint(decoder)
		switch (type) {
			case MESSAGE_SYNC: {
				const reply = encoding.createEncoder()
				if (hocuspocus) encoding.writeVarString(reply, this.config.docName)
				const headerLength = encoding.length(reply)
				encoding.writeVarUint(reply, MESSAGE_SYNC)
				let sub: number
				if (this.config.applyRemote === false) {
					// Observer mode (S4): remote changes are handed over undecoded instead of applied.
					sub = decoding.readVarUint(decoder)
					if (sub === syncProtocol.messageYjsSyncStep1) syncProtocol.readSyncStep1(decoder, reply, this.doc)
					else this.onRemoteUpdate?.(decoding.readVarUint8Array(decoder))
				} else {
					sub = syncProtocol.readSyncMessage(decoder, reply, this.doc, this)
				}
				if (encoding.length(reply) > headerLength + 1) this.sendFrame(encoding.toUint8Array(reply))
				if (sub === syncProtocol.messageYjsSyncStep2) this.markSynced()
				break
			}
			case MESSAGE_AWARENESS:
				awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
				break
			case MESSAGE_AUTH: {
				const sub = decoding.readVarUint(decoder)
				if (hocuspocus) {
					// 0: the server asks for the token again; 1: permission denied; 2: authenticated.
					if (sub === 0) {
						this.sendFrame(this.hp((e) => {
							encoding.writeVarUint(e, MESSAGE_AUTH)
							encoding.writeVarUint(e, 0)
							encoding.writeVarString(e, this.config.token ?? '')
						}))
					} else if (sub === 1) this.permissionDenied = decoding.readVarString(decoder)
				} else {
					this.permissionDenied = decoding.readVarString(decoder)
				}
				break
			}
			case MESSAGE_QUERY_AWARENESS:
				this.sendFrame(this.awarenessFrame([...this.awareness.getStates().keys()]))
				break
			case MESSAGE_SAVED:
				if (!hocuspocus) {
					for (const [client, clock] of Y.decodeStateVector(decoding.readVarUint8Array(decoder))) {
						if ((this.saved.get(client) ?? 0) < clock) this.saved.set(client, clock)
					}
					this.onSaved?.(this.saved)
				}
				break
			case HP_SYNC_STATUS:
				if (hocuspocus) this.syncStatusAcks++
				break
			case HP_STATELESS:
			case HP_CLOSE:
				break
		}
	}
}

function zeroMask(mask: Uint8Array) {
	mask.fill(0)
}

function yws(write: (e: encoding.Encoder) => void): Uint8Array {
	const e = encoding.createEncoder()
	write(e)
	return encoding.toUint8Array(e)
}

/** True when `doc` holds at least everything `stateVector` describes. */
export function hasState(doc: Y.Doc, stateVector: Map<number, number>): boolean {
	for (const [client, clock] of stateVector) if (Y.getState(doc.store, client) < clock) return false
	return true
}

/** Opens many clients with at most `concurrency` handshakes in flight, retrying refused ones. */
export async function connectAll(
	clients: BenchClient[],
	{ concurrency = 8, attempts = 5, timeoutMs = 60_000 }: { concurrency?: number; attempts?: number; timeoutMs?: number } = {},
): Promise<{ failed: BenchClient[]; retries: number }> {
	const failed: BenchClient[] = []
	let retries = 0
	let next = 0
	const worker = async () => {
		while (next < clients.length) {
			const client = clients[next++]!
			for (let attempt = 1; ; attempt++) {
				try {
					client.unexpectedClose = null
					await client.connect(timeoutMs)
					break
				} catch {
					client.close()
					if (attempt >= attempts) {
						failed.push(client)
						break
					}
					retries++
					await new Promise((r) => setTimeout(r, 200 * attempt))
				}
			}
		}
	}
	await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker))
	return { failed, retries }
}
