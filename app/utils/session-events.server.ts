import { EventEmitter } from 'node:events'

/**
 * Tells the sync server (same process, possibly another module graph) that a user's sessions
 * changed, so it re-checks that user's open sockets at once instead of at the next periodic check.
 */
const KEY = Symbol.for('accord.session-events')
type Holder = { [KEY]?: EventEmitter }

function bus(): EventEmitter {
	const holder = globalThis as Holder
	return (holder[KEY] ??= new EventEmitter().setMaxListeners(0))
}

export function emitSessionEnded(userId: string) {
	bus().emit('session-ended', userId)
}

export function onSessionEnded(listener: (userId: string) => void): () => void {
	bus().on('session-ended', listener)
	return () => bus().off('session-ended', listener)
}
