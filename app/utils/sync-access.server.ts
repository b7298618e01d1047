/**
 * The app's side of the sync server's ports (main.ts hands them over): who may connect to a
 * document and with what access (authenticateUpgrade, with the same policy as the web routes),
 * what keeps open sockets to their terms (databaseAccessSources), and where a document's update
 * log is kept (databasePersistence).
 */
import { CLOSE_EVENTS } from '#app/domain/close-codes.ts'
import { delegationColor } from '#app/domain/delegations.ts'
import { canReadDocument, getDocumentAccess } from '#app/domain/permissions.ts'
import { getDocumentForSync, getMeetingParticipants } from '#app/models/document.server.ts'
import { getLiveSession } from '#app/models/session.server.ts'
import { getSessionId } from './auth.server.ts'
import { publishDocumentEvent } from './document-events.server.ts'
import { onAccessChanged, onSessionEnded } from './session-events.server.ts'
import { verifySyncToken } from './sync-token.server.ts'
import type { AccessSources, SyncEvents, UpgradeAuth, UpgradeRequest } from '#app/domain/sync-admission.ts'
import { getLiveSessions } from '#app/models/session.server.ts'
import { appendDocumentUpdates, loadDocumentLog, writeCheckpoint } from '#app/models/document-log.server.ts'

const SLUG = /^[a-z0-9][a-z0-9-]{0,127}$/

/**
 * A document (by slug) and its meeting's participants (by meeting) are read once and reused this
 * long: a burst of joins (a room full of delegates opening the text at once, or every open page
 * of a conference reconnecting after a restart) costs one read of each, not one per connection,
 * and dozens of documents of one meeting share one read of its participants. A change of who
 * takes part drops the meeting's entry at once (forgetMeetingAccess); open sockets learn of it
 * from the sync server's access watch.
 */
const CACHE_MS = 5_000
const documentCache = new Map<string, Cached<ReturnType<typeof getDocumentForSync>>>()
const participantsCache = new Map<string, Cached<ReturnType<typeof getMeetingParticipants>>>()
type Cached<T> = { at: number; value: T }

function cached<T extends Promise<unknown>>(cache: Map<string, Cached<T>>, key: string, read: () => T): T {
	const now = Date.now()
	const hit = cache.get(key)
	if (hit && now - hit.at < CACHE_MS) return hit.value
	const value = read()
	const entry = { at: now, value }
	cache.set(key, entry)
	const forget = () => {
		if (cache.get(key) === entry) cache.delete(key)
	}
	value.catch(forget)
	// Expired entries go, so that a document or meeting nobody opens any more costs nothing.
	setTimeout(forget, CACHE_MS).unref()
	return value
}

/** The meeting's people, as read for upgrades (at most CACHE_MS old). */
export function participantsOf(meetingId: string) {
	return cached(participantsCache, meetingId, () => getMeetingParticipants({ meetingId }))
}

/** Who takes part in this meeting changed: the next upgrade or check reads it afresh. */
export function forgetMeetingAccess(meetingId: string) {
	participantsCache.delete(meetingId)
}

/**
 * Decides who is connecting and what they may do, with the same policy as the web routes:
 * a `?token=` minted by the app for this document, or else the session cookie. Unknown or
 * expired credentials → 4401; a document that does not exist → 4404; no access → 4403.
 */
export async function authenticateUpgrade({ slug, cookieHeader, token }: UpgradeRequest): Promise<UpgradeAuth> {
	let userId: string | null = null
	let sessionId: string | null = null
	let tokenDocumentId: string | null = null
	if (token !== null) {
		// A token is worth what the session that asked for it is worth: nothing after logout.
		const claims = verifySyncToken(token)
		if (claims) {
			const session = await getLiveSession({ id: claims.sessionId })
			if (session && session.userId === claims.userId) {
				userId = claims.userId
				sessionId = claims.sessionId
				tokenDocumentId = claims.documentId
			}
		}
	} else {
		sessionId = await getSessionId(cookieHeader)
		userId = sessionId ? ((await getLiveSession({ id: sessionId }))?.userId ?? null) : null
	}
	if (!userId || !sessionId) return { ok: false, ...CLOSE_EVENTS.notLoggedIn }
	if (!SLUG.test(slug)) return { ok: false, ...CLOSE_EVENTS.notFound }
	const found = await cached(documentCache, slug, () => getDocumentForSync({ slug }))
	if (!found) return { ok: false, ...CLOSE_EVENTS.notFound }
	const meetingId = found.meeting.id
	const participants = await participantsOf(meetingId)
	if (tokenDocumentId !== null && tokenDocumentId !== found.document.id) {
		return { ok: false, ...CLOSE_EVENTS.tokenForAnotherDocument }
	}
	const participant = participants.get(userId)
	const access = getDocumentAccess(participant?.participation ?? null, found.meeting)
	if (!participant || !canReadDocument(access)) {
		return { ok: false, ...CLOSE_EVENTS.noAccess }
	}
	const { participation } = participant
	return {
		ok: true,
		documentId: found.document.id,
		meeting: { id: meetingId, framework: found.meeting.framework },
		sessionId,
		identity: {
			userId,
			name: participant.name,
			delegationId: participation.delegationId,
			delegationCode: participation.delegationCode,
			color: delegationColor(participation.delegationCode),
			access,
		},
	}
}

/** Sessions and meeting people from the database, as the upgrade reads them. */
export const databaseAccessSources: AccessSources = {
	liveSessions: (ids) => getLiveSessions(ids),
	participants: (meetingId) => participantsOf(meetingId),
	forget: (meetingId) => forgetMeetingAccess(meetingId),
}

/** The update log and checkpoints of each document, in the database. */
export const databasePersistence = {
	load: (documentId: string) => loadDocumentLog({ documentId }),
	append: (rows: Parameters<typeof appendDocumentUpdates>[0]['rows']) => appendDocumentUpdates({ rows }),
	checkpoint: (documentId: string, state: Uint8Array, upToSeq: bigint) => writeCheckpoint({ documentId, state, upToSeq }),
}

/** The app's events as the sync server takes them (sessions, access, notices for event streams). */
export const appSyncEvents: SyncEvents = {
	onSessionEnded: (listener) => onSessionEnded(listener),
	onAccessChanged: (listener) => onAccessChanged(listener),
	publish: (documentId, notice) => publishDocumentEvent(documentId, notice),
}

/** Everything the sync server asks of the app, for main.ts (and tests) to hand it. */
export const syncPorts = {
	authenticate: authenticateUpgrade,
	accessSources: databaseAccessSources,
	persistence: databasePersistence,
	events: appSyncEvents,
}
