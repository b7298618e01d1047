import { Link } from 'react-router'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { LiveIndicator } from '#app/components/live-indicator.tsx'
import { consensusOf, POSITION_LABELS, POSITION_SHORT, type ConsensusState, type PositionKind } from '#app/domain/comments.ts'
import { DELEGATION_KIND_LABEL } from '#app/domain/delegations.ts'
import { getPositionMatrix } from '#app/models/comments.server.ts'
import { getShownTitle } from '#app/models/document.server.ts'
import { requireDocumentAccess } from '#app/utils/permissions.server.ts'
import { useLiveRevalidation } from '#app/utils/use-live-revalidation.ts'
import type { Route } from './+types/document.positions'

export async function loader({ request, params }: Route.LoaderArgs) {
	const { context } = await requireDocumentAccess(request, params.slug, 'positions')
	const matrix = await getPositionMatrix({ documentId: context.document.id, meetingId: context.meeting.id })
	return { document: { ...context.document, title: await getShownTitle(context.document) }, meeting: context.meeting, ...matrix }
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Positions · ${data.document.title} · Accord` : 'Positions · Accord' }]

const CONSENSUS_LABEL: Record<ConsensusState, string> = { consensus: 'Consensus', blocked: 'Blocked', pending: 'Pending' }
const CONSENSUS_STYLE: Record<ConsensusState, string> = {
	consensus: 'bg-green-100 text-green-900',
	blocked: 'bg-red-100 text-red-900',
	pending: 'bg-amber-50 text-amber-900',
}
const CELL_STYLE: Record<PositionKind, string> = {
	SUPPORT: 'bg-green-50 text-green-900',
	CAN_LIVE_WITH: 'bg-emerald-50 text-emerald-900',
	RESERVATION: 'bg-sky-50 text-sky-900',
	AD_REF: 'bg-amber-50 text-amber-900',
	OBJECT: 'bg-red-50 text-red-900',
}

export default function PositionsPage({ loaderData }: Route.ComponentProps) {
	const { document: doc, meeting, delegations, positions, paragraphs } = loaderData
	// Positions come in during the session: the page follows them live.
	const live = useLiveRevalidation(doc.slug)
	const members = delegations.filter((d) => d.kind === 'MEMBER')
	const others = delegations.filter((d) => d.kind !== 'MEMBER')
	const cell = (paragraphId: string, delegationId: string) => positions.find((p) => p.paragraphId === paragraphId && p.delegationId === delegationId)
	return (
		<main className="mx-auto max-w-7xl px-6 py-6">
			<nav className="text-sm text-gray-600">
				<Link to="/meetings" className="hover:underline">Your meetings</Link> /{' '}
				<Link to={`/meetings/${meeting.slug}`} className="hover:underline">{meeting.shortTitle}</Link> /{' '}
				<Link to={`/documents/${doc.slug}`} className="hover:underline">{doc.title}</Link>
			</nav>
			<h1 className="mt-2 text-2xl font-bold sm:text-3xl">Positions of member states</h1>
			<div>
				<LiveIndicator state={live} />
			</div>
			<p className="mt-1 text-gray-700">
				One row per operative paragraph. Consensus counts the {members.length} member states only; partners, observers and the
				Secretariat are shown but never counted. <a className="text-accord-700 underline" href={`/documents/${doc.slug}/compilation.csv`}>Download the compilation (CSV)</a>
			</p>
			{paragraphs.length === 0 ? (
				<p className="mt-6 rounded-lg border border-dashed border-gray-300 bg-white p-6 text-gray-600">This document has no operative paragraphs yet.</p>
			) : (
				<div className="mt-5 overflow-x-auto rounded-lg border border-gray-200 bg-white">
					<table className="min-w-full text-sm" data-testid="position-matrix">
						<thead className="bg-gray-50 text-left">
							<tr>
								<th scope="col" className="sticky left-0 bg-gray-50 px-3 py-2">Paragraph</th>
								<th scope="col" className="px-3 py-2">Consensus</th>
								{members.map((d) => (
									<th key={d.id} scope="col" className="px-2 py-2 text-center font-semibold" title={d.name}>{d.code}</th>
								))}
								{others.map((d) => (
									<th key={d.id} scope="col" className="px-2 py-2 text-center font-normal text-gray-500" title={`${d.name} (${DELEGATION_KIND_LABEL[d.kind]}, not counted)`}>
										{d.code}
									</th>
								))}
							</tr>
						</thead>
						<tbody>
							{paragraphs.map((p) => {
								const { state, counts } = consensusOf(members.map((d) => d.id), positions.filter((x) => x.paragraphId === p.id))
								return (
									<tr key={p.id} className="border-t border-gray-100" data-paragraph={p.name} data-paragraph-id={p.id}>
										<th scope="row" className="sticky left-0 max-w-xs bg-white px-3 py-2 text-left font-normal">
											<span className="font-bold text-accord-800">{p.name}</span>{' '}
											<span className="line-clamp-1 text-gray-600">{p.text}</span>
										</th>
										<td className="px-3 py-2">
											<span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${CONSENSUS_STYLE[state]}`} data-testid="consensus">{CONSENSUS_LABEL[state]}</span>
											<span className="ml-1 text-xs text-gray-500">{counts.SILENT} silent</span>
										</td>
										{[...members, ...others].map((d) => {
											const pos = cell(p.id, d.id)
											const counted = d.kind === 'MEMBER'
											if (!pos) return <td key={d.id} className="px-2 py-2 text-center text-gray-300" aria-label={`${d.code}: silent`} data-cell={`${p.name}:${d.code}`}>·</td>
											const label = `${d.code}: ${POSITION_LABELS[pos.kind]}${pos.note ? ` — ${pos.note}` : ''} (${pos.user.name})`
											const body = <span className={`inline-block min-w-8 rounded px-1.5 py-0.5 font-semibold ${CELL_STYLE[pos.kind]} ${counted ? '' : 'opacity-60'}`}>{POSITION_SHORT[pos.kind]}</span>
											return (
												<td key={d.id} className="px-2 py-2 text-center" title={label} data-cell={`${p.name}:${d.code}`}>
													{pos.threadId ? <Link to={`/documents/${doc.slug}#thread-${pos.threadId}`} aria-label={label}>{body}</Link> : <span aria-label={label}>{body}</span>}
												</td>
											)
										})}
									</tr>
								)
							})}
						</tbody>
					</table>
				</div>
			)}
			<p className="mt-3 text-xs text-gray-500">
				{Object.entries(POSITION_SHORT).map(([k, s]) => `${s} ${POSITION_LABELS[k as PositionKind]}`).join(' · ')} · “·” silent. Hover a cell for the note and who
				recorded it.
			</p>
		</main>
	)
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
