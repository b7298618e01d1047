import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/**
 * The y-websocket wire protocol (y-protocols sync + awareness + auth), plus one Accord message
 * that only clients asking for it (`?acks=1`) receive. Pure framing: no sockets, no rooms.
 */
import { MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_HEARTBEAT, MESSAGE_NOTICE, MESSAGE_QUERY_AWARENESS, MESSAGE_SAVED, MESSAGE_SYNC } from '#app/domain/sync-protocol.ts'

export { MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_HEARTBEAT, MESSAGE_NOTICE, MESSAGE_QUERY_AWARENESS, MESSAGE_SAVED, MESSAGE_SYNC }

export const SYNC_STEP1 = 0
export const SYNC_STEP2 = 1
export const SYNC_UPDATE = 2

export const AUTH_PERMISSION_DENIED = 0

export type ClientMessage =
	| { type: 'sync-step1'; stateVector: Uint8Array }
	| { type: 'sync-step2'; update: Uint8Array }
	| { type: 'update'; update: Uint8Array }
	| { type: 'awareness'; update: Uint8Array }
	| { type: 'query-awareness' }

export class ProtocolError extends Error {
	override name = 'ProtocolError'
}

/** Decodes one frame from a client. Throws ProtocolError for anything malformed or unknown. */
export function decodeClientMessage(frame: Uint8Array): ClientMessage {
	try {
		const decoder = decoding.createDecoder(frame)
		const type = decoding.readVarUint(decoder)
		let message: ClientMessage
		switch (type) {
			case MESSAGE_SYNC: {
				const sub = decoding.readVarUint(decoder)
				const payload = decoding.readVarUint8Array(decoder)
				if (sub === SYNC_STEP1) message = { type: 'sync-step1', stateVector: payload }
				else if (sub === SYNC_STEP2) message = { type: 'sync-step2', update: payload }
				else if (sub === SYNC_UPDATE) message = { type: 'update', update: payload }
				else throw new ProtocolError(`unknown sync message ${sub}`)
				break
			}
			case MESSAGE_AWARENESS:
				message = { type: 'awareness', update: decoding.readVarUint8Array(decoder) }
				break
			case MESSAGE_QUERY_AWARENESS:
				message = { type: 'query-awareness' }
				break
			default:
				throw new ProtocolError(`unknown message type ${type}`)
		}
		return message
	} catch (error) {
		if (error instanceof ProtocolError) throw error
		throw new ProtocolError(`malformed frame: ${(error as Error).message}`)
	}
}

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder()
	write(encoder)
	return encoding.toUint8Array(encoder)
}

/** The heartbeat frame, the same both ways. */
export const HEARTBEAT = new Uint8Array([MESSAGE_HEARTBEAT])

export function isHeartbeat(frame: Uint8Array): boolean {
	return frame.length === 1 && frame[0] === MESSAGE_HEARTBEAT
}

export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_SYNC)
		encoding.writeVarUint(e, SYNC_STEP1)
		encoding.writeVarUint8Array(e, stateVector)
	})
}

export function encodeSyncStep2(update: Uint8Array): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_SYNC)
		encoding.writeVarUint(e, SYNC_STEP2)
		encoding.writeVarUint8Array(e, update)
	})
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_SYNC)
		encoding.writeVarUint(e, SYNC_UPDATE)
		encoding.writeVarUint8Array(e, update)
	})
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_AWARENESS)
		encoding.writeVarUint8Array(e, update)
	})
}

export function encodePermissionDenied(reason: string): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_AUTH)
		encoding.writeVarUint(e, AUTH_PERMISSION_DENIED)
		encoding.writeVarString(e, reason)
	})
}

export function encodeNotice(notice: object): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_NOTICE)
		encoding.writeVarString(e, JSON.stringify(notice))
	})
}

export function encodeSaved(stateVector: Map<number, number>): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, MESSAGE_SAVED)
		encoding.writeVarUint8Array(e, encodeStateVectorMap(stateVector))
	})
}

export function encodeStateVectorMap(sv: Map<number, number>): Uint8Array {
	return frame((e) => {
		encoding.writeVarUint(e, sv.size)
		for (const [client, clock] of sv) {
			encoding.writeVarUint(e, client)
			encoding.writeVarUint(e, clock)
		}
	})
}

/** Merges b into a, keeping the larger clock per client. */
export function mergeStateVectorInto(a: Map<number, number>, b: Map<number, number>) {
	for (const [client, clock] of b) if ((a.get(client) ?? 0) < clock) a.set(client, clock)
}

/** An update that holds nothing at all (no structs, no deletions): an empty document. */
export const EMPTY_UPDATE: Readonly<Uint8Array> = new Uint8Array([0, 0])

/** True when an update holds nothing at all (no structs, no deletions): `[0, 0]`. */
export function isEmptyUpdate(update: Uint8Array): boolean {
	return update.length === 2 && update[0] === 0 && update[1] === 0
}

/**
 * Whether applying `update` would change `doc`: new content, or deletions of content the doc
 * still shows. Used to tell a read-only client's harmless sync reply (which repeats the whole
 * delete set) from an attempted write. Throws on a malformed update.
 */
export function updateWouldChange(doc: Y.Doc, update: Uint8Array): boolean {
	if (isEmptyUpdate(update)) return false
	// parseUpdateMeta's `to` is the clock after the last struct of each client in the update.
	for (const [client, clock] of Y.parseUpdateMeta(update).to) {
		if (clock > Y.getState(doc.store, client)) return true
	}
	const { ds } = Y.decodeUpdate(update)
	if (ds.clients.size === 0) return false
	const deleted = Y.createDeleteSetFromStructStore(doc.store)
	for (const [client, items] of ds.clients) {
		const have = deleted.clients.get(client) ?? []
		for (const item of items) {
			if (!rangeCovered(have, item.clock, item.len)) return true
		}
	}
	return false
}

/** `ranges` are sorted and merged (as createDeleteSetFromStructStore makes them). */
function rangeCovered(ranges: { clock: number; len: number }[], clock: number, len: number): boolean {
	let at = clock
	const end = clock + len
	for (const r of ranges) {
		if (r.clock + r.len <= at) continue
		if (r.clock > at) return false
		at = r.clock + r.len
		if (at >= end) return true
	}
	return at >= end
}
