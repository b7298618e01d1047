import { csvField } from '#app/domain/comments.ts'
import { getCompilation } from '#app/models/comments.server.ts'
import { requireDocumentAccess } from '#app/utils/permissions.server.ts'
import type { Route } from './+types/document.compilation'

/** `GET /documents/<slug>/compilation.csv`: every comment and position, by paragraph and delegation. */
export async function loader({ request, params }: Route.LoaderArgs) {
	const { context } = await requireDocumentAccess(request, params.slug, 'positions')
	const rows = await getCompilation({ documentId: context.document.id, meetingId: context.meeting.id })
	// A byte-order mark, so that spreadsheet programs read the Vietnamese names as UTF-8.
	const csv = `\uFEFF${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`
	return new Response(csv, {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="${context.document.slug}-compilation.csv"`,
			'Cache-Control': 'no-store',
		},
	})
}
