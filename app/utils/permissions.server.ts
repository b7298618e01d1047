import { canReadPositions } from '#app/domain/permissions.ts'
import { refused, type Result } from '#app/domain/result.ts'
import { getDocumentAccessContext, type DocumentAccessContext } from '#app/models/document.server.ts'
import { getUser, requireUser } from './auth.server.ts'

type User = NonNullable<Awaited<ReturnType<typeof getUser>>>
export type DocumentAccessOf = { user: User; context: DocumentAccessContext; participation: NonNullable<DocumentAccessContext['participation']> }

/** What each route needs of the person and the document (the policy itself: app/domain/permissions.ts). */
export type DocumentNeed = 'read' | 'positions'

const NOT_IN_MEETING = 'Your delegation does not take part in this meeting.'
const NOT_NEGOTIATING = 'The positions of member states are read by the delegations negotiating this text. You can read the text and its comments.'

/**
 * The one check of a person against a document, for every route: the signed-in user (or 401),
 * the document (or 404), and their participation with the access it gives (or 403), as a
 * Result, for routes that answer a refusal themselves (actions, event streams, the token API).
 */
export async function documentAccess(request: Request, slug: string, need: DocumentNeed = 'read'): Promise<Result<DocumentAccessOf>> {
	const user = await getUser(request)
	if (!user) return refused(401, 'Not logged in.')
	return accessOf(user, slug, need)
}

/** documentAccess for a person already known (actions: requireUser sends a logged-out page to the login). */
export async function accessOf(user: User, slug: string, need: DocumentNeed = 'read'): Promise<Result<DocumentAccessOf>> {
	const context = await getDocumentAccessContext({ slug }, { userId: user.id })
	if (!context) return refused(404, 'No document at this address.')
	const { participation } = context
	if (context.access === 'none' || !participation) return refused(403, NOT_IN_MEETING)
	if (need === 'positions' && !canReadPositions(context.access)) return refused(403, NOT_NEGOTIATING)
	return { ok: true, user, context, participation }
}

/**
 * The same for pages and downloads: the person and the document, or a redirect to the login
 * page (not logged in) or a thrown 404 / 403 with the sentence, which the error page shows.
 */
export async function requireDocumentAccess(request: Request, slug: string, need: DocumentNeed = 'read'): Promise<DocumentAccessOf> {
	const user = await requireUser(request)
	const access = await accessOf(user, slug, need)
	// A Response, not data(): pages show it on their error page, downloads answer it as it is.
	if (!access.ok) throw new Response(access.message, { status: access.status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
	return access
}
