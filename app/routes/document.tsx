import type { Editor } from '@tiptap/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { data, Link, useFetcher, useRevalidator } from 'react-router'
import { useSyncSession, useSyncStatus } from '#app/collab/use-sync.ts'
import { DraftEditor } from '#app/components/draft-editor.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { CommentsPanel } from '#app/components/comments-panel.tsx'
import { LocalTime, NegotiationPanel } from '#app/components/negotiation-panel.tsx'
import { finalTitle } from '#app/domain/adoption.ts'
import { META_MAP } from '#app/domain/constants.ts'
import { refusal } from '#app/domain/refusals.ts'
import { PresenceList } from '#app/components/presence.tsx'
import { SyncStatusLine } from '#app/components/sync-status.tsx'
import { delegationColor } from '#app/domain/delegations.ts'
import { canModerate, getNegotiationRole } from '#app/domain/negotiation.ts'
import { canEditDocument, canReadPositions, canWriteDocument } from '#app/domain/permissions.ts'
import { getThreads } from '#app/models/comments.server.ts'
import { getNegotiation } from '#app/models/negotiation.server.ts'
import { getAdoption } from '#app/models/revisions.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { DOCUMENT_KIND_LABEL } from '#app/utils/misc.ts'
import { requireDocumentAccess } from '#app/utils/permissions.server.ts'
import type { Route } from './+types/document'

export async function loader({ request, params }: Route.LoaderArgs) {
	const { user, context, participation } = await requireDocumentAccess(request, params.slug)
	const role = getNegotiationRole(
		{ delegationKind: participation.delegationKind, role: participation.role, stateCode: participation.stateCode },
		context.access,
		context.meeting,
	)
	return {
		document: context.document,
		meeting: context.meeting,
		access: context.access,
		role,
		negotiation: await getNegotiation({ documentId: context.document.id }),
		adoption: await getAdoption({ documentId: context.document.id }),
		comments: await getThreads({ documentId: context.document.id, userId: user.id }),
		myPositions: await getDb().position.findMany({
			where: { documentId: context.document.id, delegationId: participation.delegationId, kind: { not: null } },
			select: { paragraphId: true, kind: true, note: true },
		}),
		canPosition: participation.delegationKind === 'MEMBER' && (participation.role === 'HEAD' || participation.role === 'DELEGATE'),
		me: {
			name: user.name,
			delegation: participation.delegationCode,
			delegationId: participation.delegationId,
			delegationName: participation.delegationName,
			color: delegationColor(participation.delegationCode),
		},
	}
}


export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.adoption ? finalTitle(data.document.title) : data.document.title} · Accord` : 'Document · Accord' }]

export default function DocumentPage({ loaderData }: Route.ComponentProps) {
	const { document: doc, meeting, access, me, role, negotiation, comments, myPositions, canPosition, adoption } = loaderData
	const [tab, setTab] = useState<'negotiation' | 'comments'>('negotiation')
	const session = useSyncSession(doc.slug)
	const status = useSyncStatus(session?.status ?? null)
	const [editor, setEditor] = useState<Editor | null>(null)
	const onEditor = useCallback((e: Editor | null) => setEditor(e), [])
	const [message, setMessage] = useState<string | null>(null)
	const [lineNumbers, setLineNumbers] = useState(false)
	const revalidator = useRevalidator()
	const preamble = doc.preambleStyle === 'LETTERS' ? 'letters' : 'none'
	const preambleFetcher = useFetcher()

	// Statuses and brackets changed by someone else: refetch. A change the server refused: say so.
	useEffect(() => {
		if (!session) return
		return session.status.onNotice((notice) => {
			if (notice.type === 'negotiation') void revalidator.revalidate()
			else setMessage(`Your last change was not accepted: ${notice.reason}`)
		})
	}, [session, revalidator])
	useEffect(() => {
		if (!message) return
		const timer = setTimeout(() => setMessage(null), 8_000)
		return () => clearTimeout(timer)
	}, [message])
	// No typing before the real text has arrived once: words typed into an empty-looking page
	// would land in front of the statement. Offline after that, typing goes on.
	// Adopted: the server wrote it into the text's meta map; the text is final for everyone.
	const [adopted, setAdopted] = useState<{ label: string; at: string; hash?: string } | null>(null)
	useEffect(() => {
		if (!session) return
		const meta = session.doc.getMap(META_MAP)
		const read = () => setAdopted((meta.get('adopted') as { label: string; at: string; hash?: string } | undefined) ?? null)
		read()
		meta.observe(read)
		return () => meta.unobserve(read)
	}, [session])
	// Adopted while the page was open: the record (how, by whom) comes with the next load.
	const askedForRecord = useRef(false)
	useEffect(() => {
		if (!adopted || adoption || askedForRecord.current) return
		askedForRecord.current = true
		void revalidator.revalidate()
	}, [adopted, adoption, revalidator])
	// An adopted text is final: no editing controls anywhere on the page.
	const final = adoption !== null || adopted !== null
	const title = final ? finalTitle(doc.title) : doc.title
	const adoptedAt = adoption?.at ?? adopted?.at ?? null
	const editable = canWriteDocument(access) && status.everSynced && status.connection !== 'stopped' && !final
	const suggestOnly = access === 'suggest'
	const [suggesting, setSuggesting] = useState(false)

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
			<h1 className="text-2xl font-bold sm:text-3xl" data-testid="document-title">{title}</h1>
			{!canWriteDocument(access) ? (
				<p className="mt-4 rounded-md border border-gray-300 bg-white px-4 py-2 text-gray-700" data-testid="read-only-notice">
					You are following this text as {me.delegationName} ({me.delegation}). Observers and invited partners can read it live but
					cannot change it.
				</p>
			) : null}
			<div className="mt-3 flex flex-wrap items-center gap-3 text-sm">
				<label className="inline-flex items-center gap-1.5 text-gray-700">
					<input type="checkbox" checked={lineNumbers} onChange={(e) => setLineNumbers(e.target.checked)} /> Line numbers
				</label>
				{final ? null : canEditDocument(access) ? (
					<label className="inline-flex items-center gap-1.5 text-gray-700">
						<input type="checkbox" checked={suggesting} onChange={(e) => setSuggesting(e.target.checked)} /> Suggest changes
					</label>
				) : suggestOnly ? (
					<span className="rounded bg-emerald-50 px-2 py-0.5 font-medium text-emerald-900" data-testid="suggest-only-notice">
						Your changes are suggestions: the Chair accepts or rejects them
					</span>
				) : null}
				{canModerate(role) && !final ? (
					<label className="inline-flex items-center gap-1.5 text-gray-700">
						Preambular paragraphs
						<select
							className="rounded border border-gray-300 bg-white px-1.5 py-0.5"
							value={doc.preambleStyle}
							onChange={(e) =>
								preambleFetcher.submit({ intent: 'preamble', style: e.target.value }, { method: 'POST', action: `/documents/${doc.slug}/negotiation` })
							}
						>
							<option value="NONE">unlettered (PP)</option>
							<option value="LETTERS">lettered (a), (b) …</option>
						</select>
					</label>
				) : null}
				{role === 'chair' ? <span className="rounded bg-accord-50 px-2 py-0.5 font-medium text-accord-800">You chair this meeting</span> : null}
				<Link to={`/documents/${doc.slug}/revisions`} className="text-accord-700 underline">Revisions and approval</Link>
				{canReadPositions(access) ? (
					<>
						<Link to={`/documents/${doc.slug}/positions`} className="text-accord-700 underline">Positions of member states</Link>
						<a href={`/documents/${doc.slug}/compilation.csv`} className="text-accord-700 underline">Compilation (CSV)</a>
					</>
				) : null}
			</div>
			{final ? (
				<section className="mt-3 rounded-md border border-green-300 bg-green-50 px-4 py-3 text-green-950" aria-labelledby="adoption-heading" data-testid="adoption-record">
					<h2 id="adoption-heading" className="text-xs font-semibold tracking-wide text-green-800 uppercase">Adopted text</h2>
					<p className="mt-0.5 font-medium" data-testid="adopted-notice">
						{adoption?.label ?? adopted?.label} was adopted
						{adoption?.how === 'SILENCE' ? ' at the end of the silence procedure' : adoption?.how === 'APPROVAL' ? ' by every member state' : ''}
						{adoption?.how === 'APPROVAL' && adoption.reservations > 0 ? ` (${adoption.reservations} with a reservation)` : ''}
						{adoptedAt ? (
							<>
								{' '}on <LocalTime value={adoptedAt} withDate />
							</>
						) : null}
						. This text is final.
					</p>
					{adoption?.openAtCall && adoption.openAtCall.open.length > 0 ? (
						<p className="mt-0.5 text-sm" data-testid="adopted-open">
							{adoption.openAtCall.confirmedBy.name} ({adoption.openAtCall.confirmedBy.code}){' '}
							{adoption.how === 'SILENCE' ? 'circulated it under silence' : 'called for approval'} knowing that it was not whole: {adoption.openAtCall.summary}{' '}
							(listed beside the text).
						</p>
					) : null}
					<p className="mt-0.5 text-sm">
						SHA-256{' '}
						<code className="rounded bg-white/70 px-1 font-semibold" title={adoption?.hash ?? adopted?.hash} data-testid="adopted-hash">
							{(adoption?.hash ?? adopted?.hash ?? '').slice(0, 12)}
						</code>{' '}
						· <Link to={`/documents/${doc.slug}/revisions`} className="underline">the record of approval</Link>
					</p>
				</section>
			) : null}
			{message ? (
				<p role="alert" className="mt-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-2 text-amber-900" data-testid="refused-message">
					{message}
				</p>
			) : null}
			<div className="mt-4 grid gap-6 lg:grid-cols-[1fr_21rem]">
				<div className="min-w-0">
					{session ? (
						<div className={final ? 'adopted-text' : undefined}>
							<DraftEditor
								session={session}
								user={{ name: me.name, delegation: me.delegation, color: me.color }}
								editable={editable}
								title={title}
								preamble={preamble}
								lineNumbers={lineNumbers}
								onEditor={onEditor}
								onRefused={(why) => setMessage(refusal(why).message)}
								suggesting={suggesting && !final}
								suggestOnly={suggestOnly && !final}
							/>
						</div>
					) : (
						<div className="rounded-lg border border-gray-200 bg-white px-12 py-8 text-gray-500">Loading the text…</div>
					)}
				</div>
				{/* Status and presence stay in view and never push the text around. */}
				<aside className="space-y-4 self-start lg:sticky lg:top-4 lg:max-h-[calc(100vh-2rem)] lg:overflow-y-auto">
					<SyncStatusLine status={status} editable={canWriteDocument(access)} onReconnect={session?.status.reconnect} />
					<div role="tablist" aria-label="Beside the text" className="grid grid-cols-2 gap-1 rounded-lg border border-gray-200 bg-white p-1 text-sm font-medium">
						{(['negotiation', 'comments'] as const).map((t) => (
							<button
								key={t}
								type="button"
								role="tab"
								aria-selected={tab === t}
								className={`rounded px-2 py-1 ${tab === t ? 'bg-accord-700 text-white' : 'text-gray-700 hover:bg-gray-100'}`}
								onClick={() => setTab(t)}
							>
								{t === 'negotiation' ? 'Negotiation' : `Comments (${comments.threads.length})`}
							</button>
						))}
					</div>
					{tab === 'negotiation' ? (
						<NegotiationPanel
							editor={editor}
							slug={doc.slug}
							role={role}
							myDelegationId={me.delegationId}
							preamble={preamble}
							brackets={negotiation.brackets}
							events={negotiation.events}
							final={final}
							openAtAdoption={adoption?.openAtCall?.open ?? null}
						/>
					) : (
						<CommentsPanel
							editor={editor}
							doc={session?.doc ?? null}
							slug={doc.slug}
							threads={comments.threads}
							seenAt={comments.seenAt}
							me={{ delegationId: me.delegationId, delegationCode: me.delegation, moderator: canModerate(role), canPosition }}
							preamble={preamble}
							myPositions={myPositions.map((p) => ({ ...p, kind: p.kind! }))}
							synced={status.everSynced}
							final={final}
						/>
					)}
					<PresenceList session={session} />
					<p className="text-xs text-gray-500">
						Operative paragraphs are numbered; preambular ones are marked PP or lettered.{' '}
						{final ? 'The text is final: nothing in it changes any more.' : 'Every change is recorded with your name and delegation.'}
					</p>
				</aside>
			</div>
		</main>
	)
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
