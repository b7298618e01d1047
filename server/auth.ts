import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { delegationColor } from '#app/domain/delegations.ts'
import { canReadDocument } from '#app/domain/permissions.ts'
import { getDocumentAccessContext } from '#app/models/document.server.ts'
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
 * Decides who is connecting and what they may do, with the same policy as the web routes:
 * a `?token=` minted by the app for this document, or else the session cookie. Unknown or
 * expired credentials → 4401; a document that does not exist → 4404; no access → 4403.
 */
export async function authenticateUpgrade({ slug, cookieHeader, token }: UpgradeRequest): Promise<UpgradeAuth> {
	let user: { id: string; name: string } | null = null
	let tokenDocumentId: string | null = null
	if (token !== null) {
		const claims = verifySyncToken(token)
		if (claims) {
			user = await getUserById({ id: claims.userId })
			tokenDocumentId = claims.documentId
		}
	} else {
		user = await getUserFromCookieHeader(cookieHeader)
	}
	if (!user) return { ok: false, code: CLOSE_CODES.unauthenticated, reason: 'Not logged in' }
	if (!SLUG.test(slug)) return { ok: false, code: CLOSE_CODES.notFound, reason: 'No such document' }
	const context = await getDocumentAccessContext({ slug }, { userId: user.id })
	if (!context) return { ok: false, code: CLOSE_CODES.notFound, reason: 'No such document' }
	if (tokenDocumentId !== null && tokenDocumentId !== context.document.id) {
		return { ok: false, code: CLOSE_CODES.unauthenticated, reason: 'Token is for another document' }
	}
	if (!canReadDocument(context.access) || !context.participation) {
		return { ok: false, code: CLOSE_CODES.forbidden, reason: 'No access to this document' }
	}
	return {
		ok: true,
		documentId: context.document.id,
		identity: {
			userId: user.id,
			name: user.name,
			delegationId: context.participation.delegationId,
			delegationCode: context.participation.delegationCode,
			color: delegationColor(context.participation.delegationCode),
			access: context.access,
		},
	}
}
