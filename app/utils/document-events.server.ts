import { EventEmitter } from 'node:events'
import type { LiveNotice } from './live-documents.server.ts'

/**
 * The notices the sync server sends to a document's open pages (a position, a bracket, an
 * answer to a call for approval), also offered to pages that have no sync socket: the positions
 * matrix and the revisions board listen through `/documents/<slug>/events`. The sync server
 * publishes (server/rooms.ts, RoomManager.notify); the app's bundle subscribes. Both share the
 * bus through globalThis, as app/utils/session-events.server.ts does.
 */
const KEY = Symbol.for('accord.document-events')
type Holder = { [KEY]?: EventEmitter }

function bus(): EventEmitter {
	const holder = globalThis as Holder
	return (holder[KEY] ??= new EventEmitter().setMaxListeners(0))
}

export function publishDocumentEvent(documentId: string, notice: LiveNotice) {
	bus().emit(documentId, notice)
}

export function subscribeDocumentEvents(documentId: string, listener: (notice: LiveNotice) => void): () => void {
	bus().on(documentId, listener)
	return () => bus().off(documentId, listener)
}

/** Open event streams in this process, for the cap in the events route. */
export function openDocumentEventStreams(): number {
	const events = bus()
	return events.eventNames().reduce((sum, name) => sum + events.listenerCount(name), 0)
}
