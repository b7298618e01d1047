import { data, Link } from 'react-router'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { LocalTime } from '#app/components/negotiation-panel.tsx'
import { compareTexts, parseCanonical, type ParagraphChange } from '#app/domain/revisions.ts'
import { getShownTitle } from '#app/models/document.server.ts'
import { requireDocumentAccess } from '#app/utils/permissions.server.ts'
import { editorsBetween, editsByParagraph } from '#app/models/revision-history.server.ts'
import { snapshotLive } from '#app/models/revisions.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { invariantResponse } from '#app/utils/misc.ts'
import type { Route } from './+types/document.revision'

/** `/documents/<slug>/revisions/<n>`: a revision as it was; `?compare=live` or `?compare=<m>` compares. */
export async function loader({ request, params }: Route.LoaderArgs) {
	const { user, context } = await requireDocumentAccess(request, params.slug)
	const number = Number(params.number)
	invariantResponse(Number.isInteger(number) && number > 0 && number < 2 ** 31, 'No such revision', { status: 404 })
	const select = { number: true, label: true, note: true, hash: true, canonical: true, state: true, createdAt: true, adoptedAt: true, author: { select: { name: true } }, delegation: { select: { code: true } } } as const
	const revision = await getDb().revision.findUnique({ where: { documentId_number: { documentId: context.document.id, number } }, select })
	invariantResponse(revision, 'No such revision', { status: 404 })
	const compare = new URL(request.url).searchParams.get('compare')
	let other: { title: string; canonical: string; createdAt: Date | null; state: Uint8Array | null } | null = null
	if (compare === 'live') {
		const document = await getDb().document.findUniqueOrThrow({ where: { id: context.document.id }, select: { id: true, preambleStyle: true } })
		const live = await snapshotLive(document, { userId: user.id, delegationId: context.participation!.delegationId })
		other = { title: 'the live text', canonical: live.canonical, createdAt: null, state: null }
	} else if (compare) {
		const m = Number(compare)
		const found = Number.isInteger(m) && m > 0 && m < 2 ** 31 ? await getDb().revision.findUnique({ where: { documentId_number: { documentId: context.document.id, number: m } }, select }) : null
		invariantResponse(found, 'No such revision to compare with', { status: 404 })
		other = { title: found.label, canonical: found.canonical, createdAt: found.createdAt, state: found.state }
	}
	const paragraphs = parseCanonical(revision.canonical)
	const changes = other ? compareTexts(paragraphs, parseCanonical(other.canonical)) : null
	// Who edited between the two texts, from the update log (per delegation, not per word).
	let editors: { code: string; changes: number }[] = []
	let byParagraph: Record<string, string[]> = {}
	if (other) {
		const a = revision.createdAt
		const b = other.createdAt
		const earlierIsOther = b !== null && b < a
		editors = await editorsBetween({ documentId: context.document.id, from: earlierIsOther ? b : a, to: earlierIsOther ? a : b })
		// Which delegations' edits changed each paragraph, replayed from the earlier text.
		const traced = await editsByParagraph({ documentId: context.document.id, fromState: earlierIsOther ? other.state! : revision.state, from: earlierIsOther ? b : a, to: earlierIsOther ? a : b })
		byParagraph = Object.fromEntries(traced)
	}
	const { canonical: _canonical, state: _state, ...shown } = revision
	return { document: { ...context.document, title: await getShownTitle(context.document) }, meeting: context.meeting, revision: shown, paragraphs, changes, otherTitle: other?.title ?? null, editors, byParagraph }
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.revision.label} · ${data.document.title} · Accord` : 'Revision · Accord' }]

export default function RevisionPage({ loaderData }: Route.ComponentProps) {
	const { document: doc, meeting, revision, paragraphs, changes, otherTitle, editors, byParagraph } = loaderData
	return (
		<main className="mx-auto max-w-4xl px-6 py-6">
			<nav className="text-sm text-gray-600">
				<Link to={`/meetings/${meeting.slug}`} className="hover:underline">{meeting.shortTitle}</Link> /{' '}
				<Link to={`/documents/${doc.slug}`} className="hover:underline">{doc.title}</Link> /{' '}
				<Link to={`/documents/${doc.slug}/revisions`} className="hover:underline">Revisions</Link>
			</nav>
			<h1 className="mt-2 text-2xl font-bold">
				{revision.label} {revision.adoptedAt ? <span className="ml-2 rounded bg-green-100 px-2 text-base text-green-900">Adopted</span> : null}
			</h1>
			<p className="text-sm text-gray-600">
				Issued by {revision.author.name} ({revision.delegation.code}), <LocalTime value={revision.createdAt} /> · SHA-256 <code className="text-xs">{revision.hash}</code>
			</p>
			{changes ? (
				<>
					<h2 className="mt-4 text-lg font-semibold" data-testid="compare-heading">{revision.label} compared with {otherTitle}</h2>
					<p className="text-sm text-gray-600">Words added are underlined in green, words removed struck in red; paragraphs are matched by their identity, so a moved paragraph is shown as moved.</p>
					<p className="mt-1 text-sm" data-testid="editors-between">
						{editors.length === 0 ? 'Nobody edited the text between these two.' : `Edited in between by ${editors.map((e) => `${e.code} (${e.changes} change${e.changes === 1 ? '' : 's'})`).join(', ')}.`}
					</p>
					<ol className="mt-3 space-y-3 rounded-lg border border-gray-200 bg-white p-6 font-serif text-lg" data-testid="comparison">
						{changes.map((c) => <Change key={`${c.change}:${c.id}`} change={c} by={byParagraph[c.id] ?? []} />)}
					</ol>
				</>
			) : (
				<ol className="mt-4 space-y-3 rounded-lg border border-gray-200 bg-white p-6 font-serif text-lg">
					{paragraphs.map((p) => (
						<li key={p.id} className={p.type === 'heading' ? 'font-sans text-base font-bold uppercase' : 'flex gap-3'}>
							{p.type === 'paragraph' ? <span className="w-12 shrink-0 text-right font-sans font-bold text-accord-800">{p.label || 'PP'}</span> : null}
							<span>{p.text}</span>
						</li>
					))}
				</ol>
			)}
		</main>
	)
}

function By({ codes }: { codes: string[] }) {
	if (codes.length === 0) return null
	return <span className="ml-2 font-sans text-xs text-gray-500" data-testid="changed-by">edited by {codes.join(', ')}</span>
}

function Change({ change, by }: { change: ParagraphChange; by: string[] }) {
	if (change.change === 'added' || change.change === 'removed') {
		// A paragraph only one of the texts has: all its words inserted, or all removed.
		const added = change.change === 'added'
		const p = added ? change.after : change.before
		const Words = added ? 'ins' : 'del'
		return (
			<li className={`flex gap-3 rounded ${added ? 'bg-green-50' : 'bg-red-50'}`} data-change={change.change}>
				<span className={`w-12 shrink-0 text-right font-sans font-bold ${added ? 'text-green-900' : 'text-red-900'}`}>{p.label || 'PP'}</span>
				<span>
					<Words className={`decoration-2 ${added ? 'text-green-900' : 'text-red-900'}`}>{p.text}</Words>
					<By codes={by} />
				</span>
			</li>
		)
	}
	return (
		<li className="flex gap-3" data-change={change.change}>
			<span className="w-12 shrink-0 text-right font-sans font-bold text-accord-800">
				{change.before.label !== change.after.label ? (
					<>
						<del className="text-red-800">{change.before.label || 'PP'}</del> {change.after.label || 'PP'}
					</>
				) : (
					change.after.label || 'PP'
				)}
			</span>
			<span>
				{change.moved ? <span className="mr-1 rounded bg-sky-100 px-1 font-sans text-xs text-sky-900">moved</span> : null}
				{change.before.status !== change.after.status ? <span className="mr-1 rounded bg-gray-100 px-1 font-sans text-xs">{change.before.status} → {change.after.status}</span> : null}
				{change.diff.map((d, i) =>
					d.op === 'same' ? <span key={i}>{d.text}</span> : d.op === 'insert' ? <ins key={i} className="bg-green-50 text-green-900 decoration-2">{d.text}</ins> : <del key={i} className="bg-red-50 text-red-900 decoration-2">{d.text}</del>,
				)}
				{change.change === 'changed' ? <By codes={by} /> : null}
			</span>
		</li>
	)
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
