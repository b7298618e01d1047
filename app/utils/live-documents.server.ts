import type { LiveNotice } from '#app/domain/sync-admission.ts'
import type * as Y from 'yjs'

/**
 * The sync server's documents as the web routes see them: a change made on the server for
 * someone (a status, a bracket, a resolution), and a notice to everyone who has the document
 * open. server/index.ts registers its rooms here when it starts; the app's bundle and the
 * server share the instance through globalThis (as app/utils/db.server.ts does).
 */
export interface LiveDocuments {
	/** Refused with AdoptedTextError once the text is adopted, unless `evenIfAdopted` (the adoption itself). */
	edit<T>(documentId: string, author: { userId: string; delegationId: string }, change: (doc: Y.Doc) => T, options?: { evenIfAdopted?: boolean }): Promise<T>
	/** Reads the live document (loading it if nobody has it open); writes nothing, waits for no write. */
	read<T>(documentId: string, look: (doc: Y.Doc) => T): Promise<T>
	notify(documentId: string, notice: LiveNotice): void
}

/** What a page is told: refetch what it shows of this document. */
export type { LiveNotice }

const KEY = Symbol.for('accord.live-documents')
type Holder = { [KEY]?: LiveDocuments }

export function setLiveDocuments(live: LiveDocuments | null) {
	if (live) (globalThis as Holder)[KEY] = live
	else delete (globalThis as Holder)[KEY]
}

export function isLiveDocumentsRunning(): boolean {
	return (globalThis as Holder)[KEY] !== undefined
}

export function getLiveDocuments(): LiveDocuments {
	const live = (globalThis as Holder)[KEY]
	if (!live) throw new Error('The sync server is not running in this process: start Accord through server/main.ts')
	return live
}

/** An adopted text is final: the server does not change it either. */
export class AdoptedTextError extends Error {
	constructor() {
		super('This text is adopted: it is final and cannot change.')
		this.name = 'AdoptedTextError'
	}
}
