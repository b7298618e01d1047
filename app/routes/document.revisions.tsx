import { parseWithZod } from '@conform-to/zod/v4'
import { useEffect, useState } from 'react'
import { data, Form, Link, useActionData, useNavigation } from 'react-router'
import { z } from '#app/utils/zod.ts'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { LiveIndicator } from '#app/components/live-indicator.tsx'
import { LocalTime } from '#app/components/negotiation-panel.tsx'
import { OpenItemsList } from '#app/components/open-items.tsx'
import { finalTitle, isWhole, summariseOpenItems, type OpenItems } from '#app/domain/adoption.ts'
import { canModerate, getNegotiationRole } from '#app/domain/negotiation.ts'
import { APPROVAL_LABELS, approvalOutcome, canAnswerApproval, zonedTimeToInstant, type ApprovalKind } from '#app/domain/revisions.ts'
import {
	answerCall,
	breakSilence,
	getOpenAtCall,
	getOpenItemsByRevision,
	issueRevision,
	openCall,
	restoreRevision,
	snapshotLive,
	withdrawCall,
	type Result,
	type RevisionActor,
} from '#app/models/revisions.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { formError, readForm } from '#app/utils/misc.ts'
import { getRevisionsPage } from '#app/models/revision-history.server.ts'
import { requireDocumentAccess } from '#app/utils/permissions.server.ts'
import { respond } from '#app/utils/respond.server.ts'
import { useLiveRevalidation } from '#app/utils/use-live-revalidation.ts'
import type { Route } from './+types/document.revisions'

async function load(request: Request, slug: string) {
	const { user, context, participation } = await requireDocumentAccess(request, slug)
	const document = await getDb().document.findUniqueOrThrow({ where: { id: context.document.id }, select: { id: true, preambleStyle: true, adoptedRevisionId: true } })
	const actor: RevisionActor = {
		userId: user.id,
		delegationId: participation.delegationId,
		delegationCode: participation.delegationCode,
		delegationKind: participation.delegationKind,
		role: participation.role,
		mayAnswer: participation.mayAnswer ?? false,
		moderator: canModerate(getNegotiationRole({ delegationKind: participation.delegationKind, role: participation.role, stateCode: participation.stateCode }, context.access, context.meeting)),
	}
	return { user, context, document, actor }
}

export async function loader({ request, params }: Route.LoaderArgs) {
	const { context, document, actor } = await load(request, params.slug)
	const page = await getRevisionsPage({ documentId: document.id, meetingId: context.meeting.id })
	const live = await snapshotLive(document, actor)
	const adopted = document.adoptedRevisionId !== null
	const open = page.calls.find((c) => c.status === 'OPEN') ?? null
	return {
		document: { ...context.document, title: adopted ? finalTitle(context.document.title) : context.document.title },
		meeting: context.meeting,
		...page,
		liveHash: live.hash,
		adopted,
		// The Chair decides whether to call for approval knowing what is open in each revision.
		openByRevision: actor.moderator && !adopted && !open ? await getOpenItemsByRevision({ document }) : {},
		// Every head sees what was open when the call was made.
		openAtCall: open ? await getOpenAtCall({ documentId: document.id, callId: open.id }) : null,
		me: { delegationId: actor.delegationId, code: actor.delegationCode, moderator: actor.moderator, answers: canAnswerApproval(actor) },
	}
}

const CONFIRM_OPEN = 'Tick the box to say that you go ahead although the text is not whole.'

const Schema = z.discriminatedUnion('intent', [
	z.object({ intent: z.literal('issue'), label: z.string({ error: 'Name the revision, e.g. “Rev.1”.' }).trim().min(1, 'Name the revision, e.g. “Rev.1”.').max(80, 'A revision’s name is at most 80 characters.'), note: z.string().max(2_000).default('') }),
	// confirmOpen: the Chair saw what is still open in the text and goes ahead anyway (a checkbox).
	z.object({ intent: z.literal('call'), revision: z.coerce.number().int().min(1).max(2 ** 31 - 1), confirmOpen: z.boolean({ error: CONFIRM_OPEN }).default(false) }),
	z.object({ intent: z.literal('silence'), revision: z.coerce.number().int().min(1).max(2 ** 31 - 1), deadline: z.string({ error: 'Set the deadline.' }), timeZone: z.string().min(1).max(64), confirmOpen: z.boolean({ error: CONFIRM_OPEN }).default(false) }),
	z.object({ intent: z.literal('answer'), callId: z.string().min(1).max(64), kind: z.enum(['APPROVE', 'RESERVATION', 'OBJECT'], { error: 'Answer approve, approve with a reservation, or object.' }), note: z.string().max(2_000).default('') }),
	z.object({ intent: z.literal('break'), callId: z.string().min(1).max(64), reason: z.string().max(2_000).default('') }),
	z.object({ intent: z.literal('withdraw'), callId: z.string().min(1).max(64) }),
	z.object({ intent: z.literal('restore'), revision: z.coerce.number().int().min(1).max(2 ** 31 - 1) }),
])

export async function action({ request, params }: Route.ActionArgs) {
	const { context, document, actor } = await load(request, params.slug)
	const submission = parseWithZod(await readForm(request), { schema: Schema })
	if (submission.status !== 'success') {
		return data({ ok: false as const, error: formError(submission.error) }, { status: 400 })
	}
	const value = submission.value
	let result: Result
	switch (value.intent) {
		case 'issue':
			result = await issueRevision({ document, actor, label: value.label, note: value.note })
			break
		case 'call':
			result = await openCall({ document, actor, revisionNumber: value.revision, kind: 'APPROVAL', deadline: null, timeZone: null, confirmOpen: value.confirmOpen })
			break
		case 'silence': {
			const deadline = zonedTimeToInstant(value.deadline, value.timeZone)
			if (!deadline) return data({ ok: false as const, error: `That deadline does not exist in ${value.timeZone} (or the time zone is unknown): choose another time.` }, { status: 400 })
			result = await openCall({ document, actor, revisionNumber: value.revision, kind: 'SILENCE', deadline, timeZone: value.timeZone, confirmOpen: value.confirmOpen })
			break
		}
		case 'answer':
			result = await answerCall({ documentId: document.id, actor, callId: value.callId, kind: value.kind, note: value.note })
			break
		case 'break':
			result = await breakSilence({ documentId: document.id, actor, callId: value.callId, reason: value.reason })
			break
		case 'withdraw':
			result = await withdrawCall({ documentId: document.id, actor, callId: value.callId })
			break
		case 'restore':
			result = await restoreRevision({ document, actor, revisionNumber: value.revision })
			break
	}
	void context
	return respond(result.ok ? { ok: true } : result)
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Revisions · ${data.document.title} · Accord` : 'Revisions · Accord' }]

const CALL_STATUS: Record<string, string> = { OPEN: 'Open', ADOPTED: 'Adopted', BLOCKED: 'Blocked', BROKEN: 'Silence broken', WITHDRAWN: 'Withdrawn' }

export default function RevisionsPage({ loaderData }: Route.ComponentProps) {
	const { document: doc, meeting, revisions, calls, members, events, liveHash, adopted, me, openByRevision, openAtCall } = loaderData
	const result = useActionData<typeof action>()
	const navigation = useNavigation()
	const busy = navigation.state !== 'idle'
	// Answers and revisions come in during the session: the board follows them live.
	const live = useLiveRevalidation(doc.slug)
	const open = calls.find((c) => c.status === 'OPEN') ?? null
	// The next name: Chair's draft first, then Rev.1, Rev.2 … after the highest Rev. so far.
	const revs = revisions.map((r) => /^Rev\.(\d+)$/.exec(r.label)).filter(Boolean).map((m) => Number(m![1]))
	const nextLabel = revisions.length === 0 ? 'Chair’s draft' : `Rev.${Math.max(0, ...revs) + 1}`
	return (
		<main className="mx-auto max-w-6xl px-6 py-6">
			<nav className="text-sm text-gray-600">
				<Link to="/meetings" className="hover:underline">Your meetings</Link> /{' '}
				<Link to={`/meetings/${meeting.slug}`} className="hover:underline">{meeting.shortTitle}</Link> /{' '}
				<Link to={`/documents/${doc.slug}`} className="hover:underline">{doc.title}</Link>
			</nav>
			<h1 className="mt-2 text-2xl font-bold sm:text-3xl">Revisions and approval</h1>
			<div>
				<LiveIndicator state={live} />
			</div>
			{adopted ? <p className="mt-3 rounded-md border border-green-300 bg-green-50 px-4 py-2 font-medium text-green-900" data-testid="adopted-banner">This document is adopted: its text is final.</p> : null}
			{result && !result.ok ? <p role="alert" className="mt-3 rounded-md border border-red-300 bg-red-50 px-4 py-2 text-red-900">{result.error}</p> : null}

			{open ? <CallBoard call={open} members={members} liveHash={liveHash} me={me} busy={busy} openAtCall={openAtCall} /> : null}

			<div className="mt-6 grid gap-6 lg:grid-cols-[1fr_22rem]">
				<section aria-labelledby="revisions-heading">
					<h2 id="revisions-heading" className="text-lg font-semibold">Revisions</h2>
					{revisions.length === 0 ? (
						<p className="mt-2 rounded-lg border border-dashed border-gray-300 bg-white p-4 text-gray-600">No revision has been issued yet.</p>
					) : (
						<ul className="mt-2 space-y-2" data-testid="revisions">
							{revisions.map((r) => (
								<li key={r.id} className="rounded-lg border border-gray-200 bg-white p-3">
									<p className="flex flex-wrap items-center gap-2">
										<span className="font-bold">{r.label}</span>
										<span className="text-xs text-gray-500">no. {r.number}</span>
										{r.adoptedAt ? <span className="rounded bg-green-100 px-1.5 text-xs font-semibold text-green-900">Adopted</span> : null}
										{r.hash === liveHash ? <span className="rounded bg-gray-100 px-1.5 text-xs text-gray-700">same as the live text</span> : null}
									</p>
									<p className="text-sm text-gray-600">
										Issued by {r.author.name} ({r.delegation.code}), <LocalTime value={r.createdAt} /> · <code className="text-xs" title={r.hash}>{r.hash.slice(0, 16)}…</code>
									</p>
									{r.note ? <p className="mt-1 text-sm">{r.note}</p> : null}
									<p className="mt-1 flex flex-wrap gap-3 text-sm">
										<Link className="text-accord-700 underline" to={`/documents/${doc.slug}/revisions/${r.number}`}>Read</Link>
										<Link className="text-accord-700 underline" to={`/documents/${doc.slug}/revisions/${r.number}?compare=live`}>Compare with the live text</Link>
									</p>
									{me.moderator && !open && !adopted ? (
										<CallControls revision={r} items={openByRevision[r.number] ?? null} live={r.hash === liveHash} timeZone={meeting.timeZone} busy={busy} />
									) : null}
								</li>
							))}
						</ul>
					)}
				</section>
				<aside className="space-y-4">
					{me.moderator && !adopted ? (
						<Form method="post" className="space-y-2 rounded-lg border border-gray-200 bg-white p-4">
							<h2 className="text-xs font-semibold tracking-wide text-gray-500 uppercase">Issue a revision of the live text</h2>
							<input type="hidden" name="intent" value="issue" />
							<label className="block text-sm">
								Name
								<input name="label" required maxLength={80} defaultValue={nextLabel} className="mt-0.5 w-full rounded border border-gray-300 px-2 py-1" />
							</label>
							<label className="block text-sm">
								Note
								<textarea name="note" maxLength={2000} rows={2} className="mt-0.5 w-full rounded border border-gray-300 px-2 py-1" />
							</label>
							<button disabled={busy} className="rounded bg-accord-700 px-2.5 py-1 text-sm font-medium text-white disabled:opacity-50">Issue</button>
						</Form>
					) : null}
					<section className="rounded-lg border border-gray-200 bg-white p-4 text-sm">
						<h2 className="text-xs font-semibold tracking-wide text-gray-500 uppercase">Record</h2>
						{events.length === 0 ? <p className="mt-1 text-gray-500">Nothing yet.</p> : null}
						<ol className="mt-2 space-y-1.5" data-testid="revision-record">
							{events.map((e) => (
								<li key={e.id}>
									<span className="text-gray-500"><LocalTime value={e.createdAt} /></span> {e.summary} <span className="text-gray-500">({e.user.name})</span>
								</li>
							))}
						</ol>
					</section>
				</aside>
			</div>
		</main>
	)
}

type Revision = Route.ComponentProps['loaderData']['revisions'][number]
type Confirming = { intent: 'call' } | { intent: 'silence'; deadline: string; timeZone: string }

/**
 * The Chair's calls on one revision: for approval, under silence, or restoring it. A text that
 * is not whole is called only after the Chair has seen what is open in it and ticked the box.
 */
function CallControls({ revision, items, live, timeZone, busy }: { revision: Revision; items: OpenItems | null; live: boolean; timeZone: string; busy: boolean }) {
	const [confirming, setConfirming] = useState<Confirming | null>(null)
	const [checked, setChecked] = useState(false)
	const whole = items === null || isWhole(items)
	// Without the list in view, the first press shows it (the server refuses an unconfirmed call too).
	const stopUnlessWhole = (event: React.FormEvent<HTMLFormElement>, next: Confirming) => {
		if (whole) return
		event.preventDefault()
		setChecked(false)
		setConfirming(next)
	}
	return (
		<div className="mt-2 border-t border-gray-100 pt-2">
			{!whole ? (
				<p className="mb-1.5 text-sm text-amber-900" data-testid="not-whole">
					<span className="font-semibold">Not whole yet:</span> {summariseOpenItems(items!)}.
				</p>
			) : null}
			<div className="flex flex-wrap items-end gap-2">
				<Form method="post" onSubmit={(e) => stopUnlessWhole(e, { intent: 'call' })}>
					<input type="hidden" name="intent" value="call" />
					<input type="hidden" name="revision" value={revision.number} />
					<button disabled={busy} className="rounded bg-accord-700 px-2.5 py-1 text-sm font-medium text-white disabled:opacity-50">Call for approval</button>
				</Form>
				<Form
					method="post"
					className="flex flex-wrap items-end gap-1.5"
					onSubmit={(e) => {
						const form = new FormData(e.currentTarget)
						stopUnlessWhole(e, { intent: 'silence', deadline: String(form.get('deadline') ?? ''), timeZone: String(form.get('timeZone') ?? '') })
					}}
				>
					<input type="hidden" name="intent" value="silence" />
					<input type="hidden" name="revision" value={revision.number} />
					<label className="text-xs">
						Deadline
						<input type="datetime-local" name="deadline" required className="block rounded border border-gray-300 px-1 py-0.5" />
					</label>
					<label className="text-xs">
						Time zone
						<input name="timeZone" defaultValue={timeZone} required className="block w-40 rounded border border-gray-300 px-1 py-0.5" />
					</label>
					<button disabled={busy} className="rounded border border-gray-300 px-2.5 py-1 text-sm font-medium disabled:opacity-50">Circulate under silence</button>
				</Form>
				{!live ? (
					<Form method="post" onSubmit={(e) => { if (!confirm(`Make ${revision.label} the live text again? The change is recorded; nothing is lost.`)) e.preventDefault() }}>
						<input type="hidden" name="intent" value="restore" />
						<input type="hidden" name="revision" value={revision.number} />
						<button disabled={busy} className="rounded border border-gray-300 px-2.5 py-1 text-sm font-medium disabled:opacity-50">Restore as live text</button>
					</Form>
				) : null}
			</div>
			{confirming && items ? (
				<Form method="post" className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3" data-testid="open-items-warning" aria-labelledby={`warning-${revision.number}`}>
					<input type="hidden" name="intent" value={confirming.intent} />
					<input type="hidden" name="revision" value={revision.number} />
					{confirming.intent === 'silence' ? (
						<>
							<input type="hidden" name="deadline" value={confirming.deadline} />
							<input type="hidden" name="timeZone" value={confirming.timeZone} />
						</>
					) : null}
					<h3 id={`warning-${revision.number}`} className="font-semibold text-amber-950">
						{revision.label} is not whole: this is still open in it
					</h3>
					<p className="mt-0.5 text-sm text-amber-950">
						{confirming.intent === 'silence' ? 'If nobody breaks silence' : 'If every member state approves'}, {revision.label} is adopted exactly as it stands, open
						items included, and can no longer change. Your decision to go ahead is recorded with this list.
					</p>
					<div className="mt-2 max-h-[60vh] overflow-y-auto rounded border border-amber-200 bg-white px-3 py-1">
						<OpenItemsList paragraphs={items.paragraphs} />
					</div>
					<label className="mt-3 flex items-start gap-2 text-sm font-medium text-gray-900">
						<input type="checkbox" name="confirmOpen" required checked={checked} onChange={(e) => setChecked(e.target.checked)} className="mt-0.5" />
						<span>
							I have seen what is still open and {confirming.intent === 'silence' ? `circulate ${revision.label} under silence` : `call for approval of ${revision.label}`} anyway.
						</span>
					</label>
					<div className="mt-2 flex gap-2">
						<button disabled={busy || !checked} className="rounded bg-amber-700 px-2.5 py-1 text-sm font-medium text-white disabled:opacity-50">
							{confirming.intent === 'silence' ? 'Circulate under silence anyway' : 'Call for approval anyway'}
						</button>
						<button type="button" onClick={() => setConfirming(null)} className="rounded border border-gray-300 bg-white px-2.5 py-1 text-sm font-medium">
							Cancel
						</button>
					</div>
				</Form>
			) : null}
		</div>
	)
}

type Call = Route.ComponentProps['loaderData']['calls'][number]

type OpenAtCall = Route.ComponentProps['loaderData']['openAtCall']

function CallBoard({
	call,
	members,
	liveHash,
	me,
	busy,
	openAtCall,
}: {
	call: Call
	members: { id: string; code: string; name: string }[]
	liveHash: string
	me: { delegationId: string; code: string; moderator: boolean; answers: boolean }
	busy: boolean
	openAtCall: OpenAtCall
}) {
	const answers = call.approvals.filter((a) => a.revisionHash === call.revision.hash)
	const outcome = approvalOutcome(members.map((m) => m.id), answers.map((a) => ({ delegationId: a.delegationId, kind: a.kind as ApprovalKind })))
	const mine = answers.find((a) => a.delegationId === me.delegationId)
	const [kind, setKind] = useState<ApprovalKind>((mine?.kind as ApprovalKind | undefined) ?? 'APPROVE')
	return (
		<section aria-labelledby="call-heading" className="mt-5 rounded-lg border-2 border-accord-700 bg-white p-4" data-testid="call-board">
			<div className="flex flex-wrap items-center justify-between gap-2">
				<h2 id="call-heading" className="text-lg font-semibold">
					{call.kind === 'SILENCE' ? 'Silence procedure' : 'Call for approval'}: {call.revision.label}
				</h2>
				{me.moderator ? (
					<Form method="post">
						<input type="hidden" name="intent" value="withdraw" />
						<input type="hidden" name="callId" value={call.id} />
						<button disabled={busy} className="rounded border border-gray-300 px-2 py-0.5 text-sm disabled:opacity-50">Withdraw the call</button>
					</Form>
				) : null}
			</div>
			<p className="text-sm text-gray-700">
				Exact text: <code title={call.revision.hash}>{call.revision.hash.slice(0, 16)}…</code>
				{call.revision.hash !== liveHash ? (
					<strong className="ml-2 text-amber-800" data-testid="not-live">The text under approval is {call.revision.label}, not the live text (which has changed since).</strong>
				) : null}
			</p>
			{call.kind === 'SILENCE' && call.deadline ? <Countdown deadline={call.deadline} timeZone={call.timeZone ?? 'UTC'} /> : null}
			{openAtCall && openAtCall.open.length > 0 ? (
				<div className="mt-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2" data-testid="open-at-call">
					<p className="text-sm text-amber-950">
						<span className="font-semibold">Still open when the call was made:</span> {openAtCall.summary}.
					</p>
					<p className="text-xs text-amber-950">
						{openAtCall.confirmedBy.name} ({openAtCall.confirmedBy.code}) saw this list and called anyway, <LocalTime value={openAtCall.at} withDate />. If adopted, the text
						is final as it stands.
					</p>
					<div className="mt-1.5 max-h-72 overflow-y-auto rounded border border-amber-200 bg-white px-3 py-1">
						<OpenItemsList paragraphs={openAtCall.open} testId="open-at-call-items" />
					</div>
				</div>
			) : openAtCall ? (
				<p className="mt-2 text-sm text-green-900" data-testid="open-at-call">Nothing was open when the call was made: every paragraph agreed, no brackets, suggestions or unresolved comments.</p>
			) : null}
			{call.kind === 'APPROVAL' ? (
				<>
					<p className="mt-1 text-sm" data-testid="approval-outcome">
						{outcome.approved} of {members.length} member states approve · {outcome.objected} object · {outcome.waiting} not yet answered
					</p>
					<table className="mt-3 w-full text-sm">
						<thead className="text-left text-gray-500">
							<tr><th className="py-1">Member state</th><th>Answer</th><th>By</th><th>When</th></tr>
						</thead>
						<tbody>
							{members.map((m) => {
								const a = answers.find((x) => x.delegationId === m.id)
								return (
									<tr key={m.id} className="border-t border-gray-100" data-member={m.code}>
										<td className="py-1 font-semibold">{m.code} <span className="font-normal text-gray-500">{m.name}</span></td>
										<td className={a ? (a.kind === 'OBJECT' ? 'text-red-800' : 'text-green-900') : 'text-gray-400'}>
											{a ? APPROVAL_LABELS[a.kind as ApprovalKind] : 'waiting'}
											{a?.note ? <span className="block text-xs text-gray-700">“{a.note}”</span> : null}
										</td>
										<td>{a?.user.name ?? ''}</td>
										<td>{a ? <LocalTime value={a.updatedAt} /> : ''}</td>
									</tr>
								)
							})}
						</tbody>
					</table>
					{me.answers ? (
						<Form method="post" className="mt-3 flex flex-wrap items-end gap-2 border-t border-gray-100 pt-3">
							<input type="hidden" name="intent" value="answer" />
							<input type="hidden" name="callId" value={call.id} />
							<label className="text-sm">
								{me.code}’s answer
								<select name="kind" value={kind} onChange={(e) => setKind(e.target.value as ApprovalKind)} className="block rounded border border-gray-300 px-1.5 py-1">
									<option value="APPROVE">Approve</option>
									<option value="RESERVATION">Approve with a reservation</option>
									<option value="OBJECT">Object</option>
								</select>
							</label>
							{kind !== 'APPROVE' ? (
								<label className="min-w-64 flex-1 text-sm">
									{kind === 'RESERVATION' ? 'Text of the reservation' : 'Reason'}
									<input name="note" required maxLength={2000} className="block w-full rounded border border-gray-300 px-1.5 py-1" />
								</label>
							) : null}
							<button disabled={busy} className="rounded bg-accord-700 px-2.5 py-1 text-sm font-medium text-white disabled:opacity-50">{mine ? 'Change answer' : 'Answer'}</button>
						</Form>
					) : null}
				</>
			) : (
				<>
					{call.breaks.length > 0 ? <p className="mt-2 text-sm text-red-800">Broken by {call.breaks.map((b) => `${members.find((m) => m.id === b.delegationId)?.code ?? '?'} (“${b.reason}”)`).join(', ')}</p> : null}
					{me.answers ? (
						<Form method="post" className="mt-3 flex flex-wrap items-end gap-2">
							<input type="hidden" name="intent" value="break" />
							<input type="hidden" name="callId" value={call.id} />
							<label className="min-w-64 flex-1 text-sm">
								Reason for breaking silence
								<input name="reason" required maxLength={2000} className="block w-full rounded border border-gray-300 px-1.5 py-1" />
							</label>
							<button disabled={busy} className="rounded border border-red-300 px-2.5 py-1 text-sm font-medium text-red-900 disabled:opacity-50">Break silence</button>
						</Form>
					) : null}
				</>
			)}
		</section>
	)
}

/** The deadline in its own zone and the reader's, and the time left (ticking after hydration). */
function Countdown({ deadline, timeZone }: { deadline: string | Date; timeZone: string }) {
	const [now, setNow] = useState<number | null>(null)
	useEffect(() => {
		setNow(Date.now())
		const timer = setInterval(() => setNow(Date.now()), 1_000)
		return () => clearInterval(timer)
	}, [])
	const at = new Date(deadline)
	const inZone = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at)
	const left = now === null ? null : Math.max(0, at.getTime() - now)
	const h = left === null ? 0 : Math.floor(left / 3_600_000)
	const m = left === null ? 0 : Math.floor((left % 3_600_000) / 60_000)
	const s = left === null ? 0 : Math.floor((left % 60_000) / 1_000)
	return (
		<p className="mt-1 text-sm" data-testid="countdown">
			Deadline {inZone} ({timeZone}) · your time <LocalTime value={at} /> · {left === null ? '' : left === 0 ? 'deadline passed' : `${h} h ${m} min ${s} s left`}
		</p>
	)
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
