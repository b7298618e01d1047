import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ProtocolError } from './protocol.ts'

/** A client whose state has not been seen for this long is gone (as in y-protocols). */
export const AWARENESS_TIMEOUT_MS = 30_000
/**
 * An unchanged state (a renewal, or a provider re-sending what it already sent) is forwarded
 * at most this often per client. Renewals every 15 s still keep every state alive at every
 * receiver (they time states out after 30 s); the echo storm of the official providers — every
 * client re-sending on every remote change — stops at the server.
 */
export const AWARENESS_RENEWAL_FORWARD_MS = 10_000
/**
 * A renewal (an unchanged state forwarded only to keep it alive) goes out at a moment drawn
 * within this long after it arrived, not at once: a room whose people joined together renews
 * together every 15 s, and each renewal sent makes every official provider parse it and send it
 * back (yjs/yjs#732). Clients renew 15-18 s after their last change, so a state reaches every
 * receiver at most 26 s after the last time, within their 30 s timeout. Connections that echo
 * get it without this wait, at their next turn (ECHO_PRESENCE_MAX_INTERVAL_MS).
 */
export const AWARENESS_RENEWAL_SPREAD_MS = 8_000
/** Largest awareness state (JSON) one client may publish. */
export const MAX_AWARENESS_STATE_BYTES = 4 * 1024

/**
 * One forwarded entry: a client id, its clock, and the JSON state (`'null'` when it left);
 * `renewal` when the state is unchanged and is forwarded only to keep it alive.
 */
export type AwarenessEntry = { clientId: number; clock: number; json: string; renewal?: true }

type Stored<Owner> = {
	clock: number
	/** The JSON bytes exactly as the client sent them: identical bytes are an unchanged state. */
	raw: Uint8Array
	/** The JSON forwarded to others: the client's state with `user` set by the server. */
	json: string
	owner: Owner
	lastSeen: number
	lastForwarded: number
}

/**
 * The presence of one room, kept as the JSON strings the server forwards, so an unchanged state
 * is recognised by comparing strings and never parsed again. Replaces y-protocols' Awareness on
 * the server: no timer per room, no second JSON encoding per change.
 */
export class AwarenessStore<Owner extends { closed: boolean; echoes?: boolean }> {
	private readonly states = new Map<number, Stored<Owner>>()

	/** `renewalForwardMs`: AWARENESS_RENEWAL_FORWARD_MS, unless a test sets another. */
	constructor(private readonly renewalForwardMs = AWARENESS_RENEWAL_FORWARD_MS) {}

	get size(): number {
		return this.states.size
	}

	/**
	 * Applies an awareness update from `owner`; returns the entries to forward to everyone.
	 * `stamp` turns a changed state (parsed JSON object) into the JSON to forward.
	 * Entries for client ids another live connection speaks for are dropped (echoes), and their
	 * sender is marked `echoes`.
	 */
	apply(update: Uint8Array, owner: Owner, stamp: (state: Record<string, unknown>) => string, now = Date.now()): AwarenessEntry[] {
		const decoder = decoding.createDecoder(update)
		const count = decoding.readVarUint(decoder)
		const forward: AwarenessEntry[] = []
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(decoder)
			const clock = decoding.readVarUint(decoder)
			const length = decoding.readVarUint(decoder)
			if (length > decoder.arr.length - decoder.pos) throw new ProtocolError('awareness update is cut off')
			const current = this.states.get(clientId)
			if (current && current.owner !== owner && !current.owner.closed) {
				// An echo of someone else's state: skipped unread (most of what official providers send).
				decoder.pos += length
				owner.echoes = true
				continue
			}
			// A view into the frame, copied only if it is kept.
			const raw = decoder.arr.subarray(decoder.pos, decoder.pos + length)
			decoder.pos += length
			if (isNullState(raw)) {
				if (current) {
					this.states.delete(clientId)
					forward.push({ clientId, clock: Math.max(clock, current.clock + 1), json: 'null' })
				}
				continue
			}
			if (current && current.owner === owner && clock <= current.clock) continue
			if (current && sameBytes(current.raw, raw)) {
				current.owner = owner // a reconnected client takes its state back
				current.clock = clock
				current.lastSeen = now
				if (now - current.lastForwarded >= this.renewalForwardMs) {
					current.lastForwarded = now
					forward.push({ clientId, clock, json: current.json, renewal: true })
				}
				continue
			}
			if (raw.length > MAX_AWARENESS_STATE_BYTES) throw new ProtocolError('awareness state too large')
			let state: unknown
			try {
				state = JSON.parse(textDecoder.decode(raw))
			} catch {
				throw new ProtocolError('awareness state is not JSON')
			}
			if (typeof state !== 'object' || state === null || Array.isArray(state)) {
				throw new ProtocolError('awareness state is not an object')
			}
			const json = stamp(state as Record<string, unknown>)
			this.states.set(clientId, { clock, raw: raw.slice(), json, owner, lastSeen: now, lastForwarded: now })
			forward.push({ clientId, clock, json })
		}
		return forward
	}

	/** Removes every state `owner` speaks for; returns the removals to forward. */
	removeOwnedBy(owner: Owner): AwarenessEntry[] {
		const removed: AwarenessEntry[] = []
		for (const [clientId, stored] of this.states) {
			if (stored.owner !== owner) continue
			this.states.delete(clientId)
			removed.push({ clientId, clock: stored.clock + 1, json: 'null' })
		}
		return removed
	}

	/** Removes states not seen for AWARENESS_TIMEOUT_MS; returns the removals to forward. */
	sweep(now = Date.now()): AwarenessEntry[] {
		const removed: AwarenessEntry[] = []
		for (const [clientId, stored] of this.states) {
			if (now - stored.lastSeen < AWARENESS_TIMEOUT_MS) continue
			this.states.delete(clientId)
			removed.push({ clientId, clock: stored.clock + 1, json: 'null' })
		}
		return removed
	}

	/** Every current state, for a client that joins or asks. */
	all(): AwarenessEntry[] {
		return [...this.states].map(([clientId, s]) => ({ clientId, clock: s.clock, json: s.json }))
	}

	get(clientId: number): { clock: number; json: string } | undefined {
		const s = this.states.get(clientId)
		return s && { clock: s.clock, json: s.json }
	}
}

const textDecoder = new TextDecoder('utf-8', { fatal: true })

function isNullState(raw: Uint8Array): boolean {
	return raw.length === 4 && raw[0] === 0x6e && raw[1] === 0x75 && raw[2] === 0x6c && raw[3] === 0x6c // "null"
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
	return true
}

/** An awareness update (y-protocols format) holding these entries. */
export function encodeAwarenessEntries(entries: Iterable<AwarenessEntry>): Uint8Array {
	const list = [...entries]
	const encoder = encoding.createEncoder()
	encoding.writeVarUint(encoder, list.length)
	for (const { clientId, clock, json } of list) {
		encoding.writeVarUint(encoder, clientId)
		encoding.writeVarUint(encoder, clock)
		encoding.writeVarString(encoder, json)
	}
	return encoding.toUint8Array(encoder)
}
