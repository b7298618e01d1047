import { EventEmitter } from 'node:events'

/**
 * Tells the sync server (same process, possibly another module graph) at once that sessions
 * ended or that who takes part in a meeting changed, so that it closes or re-checks the sockets
 * concerned now instead of at its next sweep (server/access-watch.ts).
 */
const KEY = Symbol.for('accord.session-events')
type Holder = { [KEY]?: EventEmitter }

function bus(): EventEmitter {
	const holder = globalThis as Holder
	return (holder[KEY] ??= new EventEmitter().setMaxListeners(0))
}

/** One session ended (logout), or every session of a user (no sessionId). */
export type SessionEnded = { userId: string; sessionId?: string }

export function emitSessionEnded(event: SessionEnded) {
	bus().emit('session-ended', event)
}

export function onSessionEnded(listener: (event: SessionEnded) => void): () => void {
	bus().on('session-ended', listener)
	return () => bus().off('session-ended', listener)
}

/** Someone joined, left, changed role in or changed delegation in this meeting. */
export function emitAccessChanged(meetingId: string) {
	bus().emit('access-changed', meetingId)
}

export function onAccessChanged(listener: (meetingId: string) => void): () => void {
	bus().on('access-changed', listener)
	return () => bus().off('access-changed', listener)
}
