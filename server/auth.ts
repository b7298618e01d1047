import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { delegationColor } from '#app/domain/delegations.ts'
import { canReadDocument } from '#app/domain/permissions.ts'
import { getDocumentAccess } from '#app/domain/permissions.ts'
import { getDocumentParticipants } from '#app/models/document.server.ts'
import { getUserById } from '#app/models/user.server.ts'
import { getUserFromCookieHeader } from '#app/utils/auth.server.ts'
import { verifySyncToken } from '#app/utils/sync-token.server.ts'
import type { Identity } from './rooms.ts'

export type UpgradeRequest = {
	slug: string
	cookieHeader: string | undefined
	token: string | null
}

export type UpgradeAuth =
	| { ok: true; documentId: string; identity: Identity }
	| { ok: false; code: number; reason: string }

const SLUG = /^[a-z0-9][a-z0-9-]{0,127}$/

/**
 * A document's participants are read once and reused this long: a burst of joins (a room full
 * of delegates opening the text at once) costs one query, not three per connection. Access
 * changes reach open sockets through the periodic re-check (server/index.ts).
 */
const PARTICIPANTS_CACHE_MS = 5_000
const participantsCache = new Map<string, { at: number; value: ReturnType<typeof getDocumentParticipants> }>()

function cachedParticipants(slug: string) {
	const now = Date.now()
	const hit = participantsCache.get(slug)
	if (hit && now - hit.at < PARTICIPANTS_CACHE_MS) return hit.value
	const value = getDocumentParticipants({ slug })
	const entry = { at: now, value }
	participantsCache.set(slug, entry)
	const forget = () => {
		if (participantsCache.get(slug) === entry) participantsCache.delete(slug)
	}
	value.catch(forget)
	// Expired entries go, so that a document nobody opens any more costs nothing.
	setTimeout(forget, PARTICIPANTS_CACHE_MS).unref()
	return value
}

/**
 * Decides who is connecting and what they may do, with the same policy as the web routes:
 * a `?token=` minted by the app for this document, or else the session cookie. Unknown or
 * expired credentials → 4401; a document that does not exist → 4404; no access → 4403.
 */
export async function authenticateUpgrade({ slug, cookieHeader, token }: UpgradeRequest): Promise<UpgradeAuth> {
	let userId: string | null = null
	let tokenDocumentId: string | null = null
	if (token !== null) {
		// A valid token already names the user: no query (a deleted user has no participation below).
		const claims = verifySyncToken(token)
		if (claims) {
			userId = claims.userId
			tokenDocumentId = claims.documentId
		}
	} else {
		userId = (await getUserFromCookieHeader(cookieHeader))?.id ?? null
	}
	if (!userId) return { ok: false, code: CLOSE_CODES.unauthenticated, reason: 'Not logged in' }
	if (!SLUG.test(slug)) return { ok: false, code: CLOSE_CODES.notFound, reason: 'No such document' }
	const found = await cachedParticipants(slug)
	if (!found) return { ok: false, code: CLOSE_CODES.notFound, reason: 'No such document' }
	if (tokenDocumentId !== null && tokenDocumentId !== found.document.id) {
		return { ok: false, code: CLOSE_CODES.unauthenticated, reason: 'Token is for another document' }
	}
	const participant = found.participants.get(userId)
	const access = getDocumentAccess(participant?.participation ?? null, found.meeting)
	if (!participant || !canReadDocument(access)) {
		if (tokenDocumentId !== null && !participant && !(await getUserById({ id: userId }))) {
			return { ok: false, code: CLOSE_CODES.unauthenticated, reason: 'No such user' }
		}
		return { ok: false, code: CLOSE_CODES.forbidden, reason: 'No access to this document' }
	}
	const { participation } = participant
	return {
		ok: true,
		documentId: found.document.id,
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
