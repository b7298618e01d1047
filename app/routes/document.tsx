import { useEffect } from 'react'
import { data, Link } from 'react-router'
import { useSyncSession, useSyncStatus } from '#app/collab/use-sync.ts'
import { DraftEditor } from '#app/components/draft-editor.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { PresenceList } from '#app/components/presence.tsx'
import { SyncStatusLine } from '#app/components/sync-status.tsx'
import { delegationColor } from '#app/domain/delegations.ts'
import { canEditDocument } from '#app/domain/permissions.ts'
import { getDocumentAccessContext } from '#app/models/document.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { DOCUMENT_KIND_LABEL, invariantResponse } from '#app/utils/misc.ts'
import type { Route } from './+types/document'

export async function loader({ request, params }: Route.LoaderArgs) {
	const user = await requireUser(request)
	const context = await getDocumentAccessContext({ slug: params.slug }, { userId: user.id })
	invariantResponse(context, 'No document at this address', { status: 404 })
	if (context.access === 'none' || !context.participation) {
		throw data('Your delegation does not take part in this meeting', { status: 403 })
	}
	return {
		document: context.document,
		meeting: context.meeting,
		access: context.access,
		me: {
			name: user.name,
			delegation: context.participation.delegationCode,
			delegationName: context.participation.delegationName,
			color: delegationColor(context.participation.delegationCode),
		},
	}
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.document.title} · Accord` : 'Document · Accord' }]

export default function DocumentPage({ loaderData }: Route.ComponentProps) {
	const { document: doc, meeting, access, me } = loaderData
	const session = useSyncSession(doc.slug)
	const status = useSyncStatus(session?.status ?? null)
	// No typing before the real text has arrived once: words typed into an empty-looking page
	// would land in front of the statement. Offline after that, typing goes on.
	const editable = canEditDocument(access) && status.everSynced && status.connection !== 'stopped'

	// Leaving with changes the server has not written yet: ask first.
	useEffect(() => {
		if (!status.unsaved) return
		const warn = (event: BeforeUnloadEvent) => {
			event.preventDefault()
			event.returnValue = ''
		}
		window.addEventListener('beforeunload', warn)
		return () => window.removeEventListener('beforeunload', warn)
	}, [status.unsaved])

	return (
		<main className="mx-auto max-w-6xl px-6 py-6">
			<nav className="text-sm text-gray-600">
				<Link to="/meetings" className="hover:underline">Your meetings</Link> /{' '}
				<Link to={`/meetings/${meeting.slug}`} className="hover:underline">{meeting.shortTitle}</Link>
			</nav>
			<p className="mt-2 text-xs font-semibold tracking-wide text-gray-500 uppercase">{DOCUMENT_KIND_LABEL[doc.kind]}</p>
			<h1 className="text-2xl font-bold sm:text-3xl">{doc.title}</h1>
			{!canEditDocument(access) ? (
				<p className="mt-4 rounded-md border border-gray-300 bg-white px-4 py-2 text-gray-700" data-testid="read-only-notice">
					You are following this text as {me.delegationName} ({me.delegation}). Observers and invited partners can read it live but
					cannot change it.
				</p>
			) : null}
			<div className="mt-5 grid gap-6 lg:grid-cols-[1fr_19rem]">
				<div className="min-w-0">
					{session ? (
						<DraftEditor session={session} user={{ name: me.name, delegation: me.delegation, color: me.color }} editable={editable} title={doc.title} />
					) : (
						<div className="rounded-lg border border-gray-200 bg-white px-12 py-8 text-gray-500">Loading the text…</div>
					)}
				</div>
				{/* Status and presence stay in view and never push the text around. */}
				<aside className="space-y-4 self-start lg:sticky lg:top-4">
					<SyncStatusLine status={status} editable={canEditDocument(access)} onReconnect={session?.status.reconnect} />
					<PresenceList session={session} />
					<p className="text-xs text-gray-500">
						Operative paragraphs are numbered; preambular ones are marked PP. Every change is recorded with your name and delegation.
					</p>
				</aside>
			</div>
		</main>
	)
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
