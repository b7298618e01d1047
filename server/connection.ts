import type { CloseEvent } from '#app/domain/close-codes.ts'
import type { Identity } from '#app/domain/sync-admission.ts'
import { sanitizePresence } from '#app/domain/presence.ts'

/**
 * One connection as a room sees it: the socket (send, close), who is on the other end, and
 * what the room keeps about it. The transport (server/transport.ts) makes the socket; rooms
 * run in unit tests on fake ones.
 */

/** All a room needs of a socket, so rooms run in unit tests without a network. */
export interface SyncSocket {
	send(data: Uint8Array): void
	/** Several frames in one write to the network, in order (optional: else one `send` each). */
	sendAll?(frames: readonly Uint8Array[]): void
	/** Sends, then calls `sent` once the bytes have left the process (optional: else at once). */
	sendThen?(data: Uint8Array, sent: () => void): void
	close(code: number, reason: string): void
}

export type { Identity }

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

/** A fresh connection of this socket and identity. */
export function newConnection(socket: SyncSocket, identity: Identity, wantsAcks: boolean): Connection {
	return { socket, identity, wantsAcks, interest: new Set(), acked: new Map(), deniedWrites: 0, echoes: false, echoGroup: 0, closed: false }
}

export function isConnection(value: unknown): value is Connection {
	return typeof value === 'object' && value !== null && 'identity' in value && 'socket' in value
}

export function send(conn: Connection, data: Uint8Array) {
	if (conn.closed) return
	try {
		conn.socket.send(data)
	} catch {
		// A socket that cannot send is closing; its close handler cleans up.
	}
}

/** Sends, then calls `sent` once the bytes have left the process (at once for a socket that cannot tell, or a closed connection). */
export function sendThen(conn: Connection, data: Uint8Array, sent: () => void) {
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

export function sendAll(conn: Connection, frames: readonly Uint8Array[]) {
	if (conn.closed) return
	if (!conn.socket.sendAll) return frames.forEach((frame) => send(conn, frame))
	try {
		conn.socket.sendAll(frames)
	} catch {
		// as in send()
	}
}

export function closeConnection(conn: Connection, { code, reason }: CloseEvent) {
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
export function stampState(state: Record<string, unknown>, identity: Identity): string {
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
