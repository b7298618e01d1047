import { getDocumentAccessContext } from '#app/models/document.server.ts'
import { getSessionId, getUser } from '#app/utils/auth.server.ts'
import { mintSyncToken } from '#app/utils/sync-token.server.ts'
import type { Route } from './+types/api.sync-token'

/** `GET /api/documents/<slug>/sync-token` → `{ token, expiresAt }` for the socket's `?token=`. */
export async function loader({ request, params }: Route.LoaderArgs) {
	const user = await getUser(request)
	const sessionId = await getSessionId(request.headers.get('Cookie'))
	if (!user || !sessionId) return Response.json({ error: 'Not logged in' }, { status: 401 })
	const context = await getDocumentAccessContext({ slug: params.slug }, { userId: user.id })
	if (!context) return Response.json({ error: 'No such document' }, { status: 404 })
	if (context.access === 'none') return Response.json({ error: 'No access to this document' }, { status: 403 })
	const { token, expiresAt } = mintSyncToken({ documentId: context.document.id, userId: user.id, sessionId })
	return Response.json(
		{ token, expiresAt: new Date(expiresAt).toISOString(), access: context.access },
		{ headers: { 'Cache-Control': 'no-store' } },
	)
}
