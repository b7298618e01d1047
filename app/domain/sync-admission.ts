import type { DocumentAccess, Framework, Participation } from './permissions.ts'

/**
 * What the sync server asks of the app about the people connecting, and what it is told: the
 * shapes of the ports main.ts hands it (app/utils/sync-access.server.ts implements them). The
 * server keeps no rules of its own about who may do what.
 */

/** Who is on the other end of a connection, as authenticated at the upgrade. */
export type Identity = {
	userId: string
	name: string
	delegationId: string
	delegationCode: string
	color: string
	access: DocumentAccess
}

export type UpgradeRequest = {
	slug: string
	cookieHeader: string | undefined
	token: string | null
}

export type UpgradeAuth =
	| { ok: true; documentId: string; meeting: { id: string; framework: Framework }; sessionId: string; identity: Identity }
	| { ok: false; code: number; reason: string }

/** What keeps open sockets to their terms (server/access-watch.ts) reads. */
export type AccessSources = {
	/** The sessions of these ids that are still valid. */
	liveSessions(ids: readonly string[]): Promise<Map<string, { userId: string }>>
	/** Who takes part in a meeting, by user id. */
	participants(meetingId: string): Promise<Map<string, { participation: Participation }>>
	/** Drops what is cached about a meeting's people. */
	forget(meetingId: string): void
}

/** A notice to every open page of a document that something beside its text changed. */
export type LiveNotice = { type: 'negotiation'; summary: string }

/** What the app tells the sync server as it happens, and what the server tells the app's pages. */
export type SyncEvents = {
	onSessionEnded(listener: (event: { userId: string; sessionId?: string }) => void): () => void
	onAccessChanged(listener: (meetingId: string) => void): () => void
	/** To pages listening without a sync socket (event streams). */
	publish(documentId: string, notice: LiveNotice): void
}
