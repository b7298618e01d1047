import { EventEmitter } from 'node:events'
import { MAX_EVENT_STREAMS, MAX_EVENT_STREAMS_PER_USER } from '#app/domain/constants.ts'
import type { LiveNotice } from './live-documents.server.ts'

/**
 * The notices the sync server sends to a document's open pages (a position, a bracket, an
 * answer to a call for approval), also offered to pages that have no sync socket: the positions
 * matrix and the revisions board listen through `/documents/<slug>/events`. The sync server
 * publishes (server/room-manager.ts, RoomManager.notify); the app's bundle subscribes. Both share the
 * bus through globalThis, as app/utils/session-events.server.ts does.
 */
const KEY = Symbol.for('accord.document-events')
type Bus = { events: EventEmitter; streams: number; perUser: Map<string, number> }
type Holder = { [KEY]?: Bus }

function bus(): Bus {
	const holder = globalThis as Holder
	return (holder[KEY] ??= { events: new EventEmitter().setMaxListeners(0), streams: 0, perUser: new Map() })
}

export function publishDocumentEvent(documentId: string, notice: LiveNotice) {
	bus().events.emit(documentId, notice)
}

/**
 * A listener for one stream of one user, within the process's caps (MAX_EVENT_STREAMS in all,
 * MAX_EVENT_STREAMS_PER_USER for one person, so that nobody can take them all). Returns how to
 * stop listening, or why it was refused.
 */
export function subscribeDocumentEvents(
	documentId: string,
	userId: string,
	listener: (notice: LiveNotice) => void,
): { ok: true; unsubscribe: () => void } | { ok: false; reason: 'too-many' | 'too-many-for-user' } {
	const state = bus()
	const mine = state.perUser.get(userId) ?? 0
	if (state.streams >= MAX_EVENT_STREAMS) return { ok: false, reason: 'too-many' }
	if (mine >= MAX_EVENT_STREAMS_PER_USER) return { ok: false, reason: 'too-many-for-user' }
	state.streams++
	state.perUser.set(userId, mine + 1)
	state.events.on(documentId, listener)
	let subscribed = true
	return {
		ok: true,
		unsubscribe: () => {
			if (!subscribed) return
			subscribed = false
			state.events.off(documentId, listener)
			state.streams--
			const left = (state.perUser.get(userId) ?? 1) - 1
			if (left > 0) state.perUser.set(userId, left)
			else state.perUser.delete(userId)
		},
	}
}

/** Open event streams in this process, in all and of one user. */
export function openDocumentEventStreams(userId?: string): number {
	const state = bus()
	return userId === undefined ? state.streams : (state.perUser.get(userId) ?? 0)
}
