import { getSessionId } from '#app/utils/auth.server.ts'
import { documentAccess } from '#app/utils/permissions.server.ts'
import { mintSyncToken } from '#app/utils/sync-token.server.ts'
import type { Route } from './+types/api.sync-token'

/** `GET /api/documents/<slug>/sync-token` → `{ token, expiresAt }` for the socket's `?token=`. */
export async function loader({ request, params }: Route.LoaderArgs) {
	const access = await documentAccess(request, params.slug)
	const sessionId = await getSessionId(request.headers.get('Cookie'))
	if (!access.ok || !sessionId) {
		const refusal = access.ok ? { status: 401, message: 'Not logged in.' } : access
		return Response.json({ error: refusal.message }, { status: refusal.status, headers: { 'Cache-Control': 'no-store' } })
	}
	const { user, context } = access
	const { token, expiresAt } = mintSyncToken({ documentId: context.document.id, userId: user.id, sessionId })
	return Response.json(
		{ token, expiresAt: new Date(expiresAt).toISOString(), access: context.access },
		{ headers: { 'Cache-Control': 'no-store' } },
	)
}
