import { canReadPositions } from '#app/domain/permissions.ts'
import { getDocumentAccessContext } from '#app/models/document.server.ts'
import { requireUser } from './auth.server.ts'

const plain = (message: string, status: number) =>
	new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })

/**
 * The signed-in person and the document, when they may read its positions (canReadPositions);
 * otherwise a thrown 404 or 403 with a sentence saying why. The one check for every route that
 * shows positions: the matrix and the compilation.
 */
export async function requirePositionsReader(request: Request, slug: string) {
	const user = await requireUser(request)
	const context = await getDocumentAccessContext({ slug }, { userId: user.id })
	if (!context) throw plain('No document at this address', 404)
	if (context.access === 'none') throw plain('Your delegation does not take part in this meeting', 403)
	if (!canReadPositions(context.access)) {
		throw plain('The positions of member states are read by the delegations negotiating this text. You can read the text and its comments.', 403)
	}
	return { user, context }
}
