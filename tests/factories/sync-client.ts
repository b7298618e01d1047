import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Identity, SyncSocket } from '#server/connection.ts'
import type { RoomManager } from '#server/room-manager.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'

/** A socket that records what the server sends, for rooms tested without a network. */
export class FakeSocket implements SyncSocket {
	sent: Uint8Array[] = []
	closed: { code: number; reason: string } | null = null
	send(data: Uint8Array) {
		if (this.closed) throw new Error('send on a closed socket')
		this.sent.push(data)
	}
	close(code: number, reason: string) {
		this.closed ??= { code, reason }
	}
}

export function createIdentity(overrides: Partial<Identity> = {}): Identity {
	return {
		userId: 'user-vnm-head',
		name: 'Nguyễn Thị Hồng Nhung',
		delegationId: 'delegation-vnm',
		delegationCode: 'VNM',
		color: '#be123c',
		access: 'edit',
		...overrides,
	}
}

/**
 * A y-websocket-speaking client wired to a RoomManager through a FakeSocket: what the server
 * sends is applied to `doc` when `pump()` runs, replies and local edits go back to the server.
 */
export function connectFakeClient(rooms: RoomManager, documentId: string, identity = createIdentity(), options: { wantsAcks?: boolean } = {}) {
	const socket = new FakeSocket()
	const doc = new Y.Doc()
	const awareness = new awarenessProtocol.Awareness(doc)
	const handle = rooms.connect(documentId, socket, identity, options)
	const received: { type: number; sub?: number; payload?: Uint8Array; reason?: string }[] = []
	let delivered = 0
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin === 'server') return
		const e = encoding.createEncoder()
		encoding.writeVarUint(e, 0)
		syncProtocol.writeUpdate(e, update)
		handle.receive(encoding.toUint8Array(e))
	})
	const client = {
		socket,
		doc,
		awareness,
		handle,
		received,
		/** Sends sync step 1 as y-websocket does on open. */
		hello() {
			const e = encoding.createEncoder()
			encoding.writeVarUint(e, 0)
			syncProtocol.writeSyncStep1(e, doc)
			handle.receive(encoding.toUint8Array(e))
		},
		/**
		 * Sends the local presence, as a provider does after `setLocalState`; `of` sends another
		 * client's (a page that reconnected with the same Yjs client id).
		 */
		sendPresence(of = awareness) {
			const e = encoding.createEncoder()
			encoding.writeVarUint(e, 1)
			encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(of, [of.clientID]))
			handle.receive(encoding.toUint8Array(e))
		},
		/** Applies everything the server sent since the last pump; answers like y-websocket. */
		pump() {
			while (delivered < socket.sent.length) {
				const frame = socket.sent[delivered++]!
				const decoder = decoding.createDecoder(frame)
				const type = decoding.readVarUint(decoder)
				if (type === 0) {
					const reply = encoding.createEncoder()
					encoding.writeVarUint(reply, 0)
					const sub = syncProtocol.readSyncMessage(decoder, reply, doc, 'server')
					received.push({ type, sub })
					if (encoding.length(reply) > 1) handle.receive(encoding.toUint8Array(reply))
				} else if (type === 1) {
					const payload = decoding.readVarUint8Array(decoder)
					awarenessProtocol.applyAwarenessUpdate(awareness, payload, 'server')
					received.push({ type, payload })
				} else if (type === 2) {
					decoding.readVarUint(decoder)
					received.push({ type, reason: decoding.readVarString(decoder) })
				} else {
					received.push({ type, payload: decoding.readVarUint8Array(decoder) })
				}
			}
		},
		text(): string {
			return doc.getXmlFragment(DOCUMENT_FRAGMENT).toString()
		},
		close() {
			handle.close()
		},
	}
	return client
}

/** Waits until `check` passes, trying again on every macrotask (fake clients need pumping). */
export async function until(check: () => boolean, { timeoutMs = 5_000, step }: { timeoutMs?: number; step?: () => void } = {}) {
	const start = Date.now()
	while (true) {
		step?.()
		if (check()) return
		if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
		await new Promise((r) => setTimeout(r, 5))
	}
}
