import * as Y from 'yjs'
import { isWhole, openItems, summariseOpenItems, type OpenItems, type OpenParagraph } from '#app/domain/adoption.ts'
import { DOCUMENT_FRAGMENT, META_MAP } from '#app/domain/constants.ts'
import type { PreambleStyle } from '#app/domain/negotiation.ts'
import {
	APPROVAL_LABELS,
	approvalOutcome,
	canAnswerApproval,
	hashCanonical,
	renderCanonical,
	silenceOutcome,
	type ApprovalKind,
} from '#app/domain/revisions.ts'
import { readBlocks, resolveBracketInText } from '#app/domain/statement.ts'
import type { Document } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { AdoptedTextError, getLiveDocuments } from '#app/utils/live-documents.server.ts'
import { refused, type Result } from '#app/domain/result.ts'

/**
 * Revisions, calls for approval, answers, silence procedures and adoption (issue 6). Every step
 * is recorded in the document's record (NegotiationEvent) with the revision's hash.
 */
export type RevisionActor = {
	userId: string
	delegationId: string
	delegationCode: string
	delegationKind: 'MEMBER' | 'PARTNER' | 'OBSERVER' | 'SECRETARIAT'
	role: 'HEAD' | 'DELEGATE' | 'ADVISER'
	/** A delegate the head authorised to answer calls for approval. */
	mayAnswer?: boolean
	moderator: boolean
}

export type { Result }


/**
 * State shared by every copy of this module in the process (the web app's bundle and the server
 * entry each load one): silence timers, per-document locks, and whether the process is stopping.
 */
type Shared = { timers: Map<string, ReturnType<typeof setTimeout>>; locks: Map<string, Promise<unknown>>; stopping: boolean }
const SHARED = Symbol.for('accord.revisions')
const shared: Shared = ((globalThis as Record<symbol, Shared>)[SHARED] ??= { timers: new Map(), locks: new Map(), stopping: false })
const timers = shared.timers

/**
 * Runs call-state changes of one document one after another (open, answer, break, withdraw,
 * settle): two answers arriving together cannot both adopt, a break cannot slip past an adoption.
 * One process holds the embedded database; with PostgreSQL and several instances the
 * conditional updates below still keep a closed call closed.
 */
async function withDocumentLock<T>(documentId: string, work: () => Promise<T>): Promise<T> {
	const previous = shared.locks.get(documentId) ?? Promise.resolve()
	const run = previous.then(work, work)
	const tail = run.catch(() => {})
	shared.locks.set(documentId, tail)
	try {
		return await run
	} finally {
		if (shared.locks.get(documentId) === tail) shared.locks.delete(documentId)
	}
}

async function record(documentId: string, actor: { userId: string; delegationId: string }, kind: string, summary: string, detail: object) {
	await getDb().negotiationEvent.create({ data: { documentId, kind, summary, detail: JSON.stringify(detail), userId: actor.userId, delegationId: actor.delegationId } })
	getLiveDocuments().notify(documentId, { type: 'negotiation', summary })
}

function preambleOf(style: Document['preambleStyle']): PreambleStyle {
	return style === 'LETTERS' ? 'letters' : 'none'
}

/** The live text as a revision would hold it: state, canonical rendering, hash. */
export async function snapshotLive(document: Pick<Document, 'id' | 'preambleStyle'>, author: { userId: string; delegationId: string }) {
	void author
	const { state, blocks } = await getLiveDocuments().read(document.id, (doc) => ({ state: Y.encodeStateAsUpdate(doc), blocks: readBlocks(doc) }))
	const canonical = renderCanonical(blocks, preambleOf(document.preambleStyle))
	return { state, canonical, hash: await hashCanonical(canonical) }
}

export async function issueRevision(input: { document: Pick<Document, 'id' | 'preambleStyle' | 'adoptedRevisionId'>; actor: RevisionActor; label: string; note: string }): Promise<Result<{ number: number }>> {
	if (!input.actor.moderator) return refused(403, 'Only the Chair or the Secretariat issues revisions.')
	if (input.document.adoptedRevisionId) return refused(409, 'This document is adopted: its text is final.')
	const snapshot = await snapshotLive(input.document, input.actor)
	const revision = await getDb().$transaction(async (tx) => {
		const last = await tx.revision.findFirst({ where: { documentId: input.document.id }, orderBy: { number: 'desc' }, select: { number: true } })
		return tx.revision.create({
			data: {
				documentId: input.document.id,
				number: (last?.number ?? 0) + 1,
				label: input.label.trim(),
				note: input.note.trim(),
				state: snapshot.state as Uint8Array<ArrayBuffer>,
				canonical: snapshot.canonical,
				hash: snapshot.hash,
				authorId: input.actor.userId,
				delegationId: input.actor.delegationId,
			},
		})
	})
	await record(input.document.id, input.actor, 'revision.issue', `${input.actor.delegationCode} issued ${revision.label} (revision ${revision.number}, ${revision.hash.slice(0, 12)})`, {
		revision: revision.number,
		hash: revision.hash,
	})
	return { ok: true, number: revision.number }
}

export function openCall(input: Parameters<typeof openCallLocked>[0]) {
	return withDocumentLock(input.document.id, () => openCallLocked(input))
}

async function openCallLocked(input: {
	document: Pick<Document, 'id' | 'adoptedRevisionId' | 'preambleStyle'>
	actor: RevisionActor
	revisionNumber: number
	kind: 'APPROVAL' | 'SILENCE'
	deadline: Date | null
	timeZone: string | null
	/** The Chair saw what is still open in the text and calls for approval anyway. */
	confirmOpen?: boolean
	now?: Date
}): Promise<Result<{ callId: string }>> {
	if (!input.actor.moderator) return refused(403, 'Only the Chair or the Secretariat calls for approval.')
	const fresh = await getDb().document.findUnique({ where: { id: input.document.id }, select: { adoptedRevisionId: true } })
	if (fresh?.adoptedRevisionId) return refused(409, 'This document is adopted: its text is final.')
	const revision = await getDb().revision.findUnique({ where: { documentId_number: { documentId: input.document.id, number: input.revisionNumber } } })
	if (!revision) return refused(404, 'No such revision.')
	if (input.kind === 'SILENCE' && (!input.deadline || input.deadline.getTime() <= (input.now ?? new Date()).getTime())) {
		return refused(400, 'A silence procedure needs a deadline in the future.')
	}
	const open = await getDb().approvalCall.findFirst({ where: { documentId: input.document.id, status: 'OPEN' } })
	if (open) return refused(409, 'A call is already open on this document: close it first.')
	// Adoption makes the text final as it stands: whatever is open in it is adopted open. The
	// Chair sees it first and says so; the record keeps what was open.
	const items = await getOpenItems({ document: input.document, state: revision.state })
	const whole = isWhole(items)
	if (!whole && !input.confirmOpen) {
		const what = input.kind === 'SILENCE' ? 'circulate it under silence' : 'call for approval'
		return refused(400, `${revision.label} is not whole yet (${summariseOpenItems(items)}). Look at what is still open, then confirm that you ${what} anyway.`)
	}
	const call = await getDb().approvalCall.create({
		data: { documentId: input.document.id, revisionId: revision.id, kind: input.kind, deadline: input.deadline, timeZone: input.timeZone, openedById: input.actor.userId },
	})
	const what = input.kind === 'SILENCE' ? `circulated ${revision.label} under silence until ${input.deadline!.toISOString()} (${input.timeZone})` : `called for approval of ${revision.label}`
	const anyway = whole ? '' : `, knowing that it was not whole: ${summariseOpenItems(items)}`
	await record(input.document.id, input.actor, input.kind === 'SILENCE' ? 'silence.start' : 'approval.call', `${input.actor.delegationCode} ${what}${anyway}`, {
		callId: call.id,
		revision: revision.number,
		hash: revision.hash,
		deadline: input.deadline?.toISOString() ?? null,
		timeZone: input.timeZone,
		// What was still open, as the Chair was shown it and confirmed (empty: the text was whole).
		open: items.paragraphs,
		openCounts: items.counts,
		confirmedOpen: !whole,
	})
	if (input.kind === 'SILENCE') scheduleSilence(call.id, input.deadline!)
	return { ok: true, callId: call.id }
}

/**
 * What is still open in a revision's text: its blocks and the document's unresolved comment
 * threads, paragraphs named as in the document's current lettering.
 */
export async function getOpenItems({ document, state }: { document: Pick<Document, 'id' | 'preambleStyle'>; state: Uint8Array }): Promise<OpenItems> {
	return openItemsOf(state, await getOpenThreads(document.id), preambleOf(document.preambleStyle))
}

async function getOpenThreads(documentId: string) {
	const rows = await getDb().commentThread.findMany({
		where: { documentId, status: 'OPEN' },
		orderBy: { createdAt: 'asc' },
		select: { paragraphId: true, status: true, quote: true, delegation: { select: { code: true } } },
	})
	return rows.map((t) => ({ paragraphId: t.paragraphId, status: t.status, quote: t.quote, delegationCode: t.delegation.code }))
}

function openItemsOf(state: Uint8Array, threads: Awaited<ReturnType<typeof getOpenThreads>>, preamble: PreambleStyle): OpenItems {
	const doc = new Y.Doc()
	try {
		Y.applyUpdate(doc, state)
		return openItems(readBlocks(doc), threads, preamble)
	} finally {
		doc.destroy()
	}
}

/** What was still open when a call was made, as recorded with it (null: a call recorded before this was kept). */
export async function getOpenAtCall({ documentId, callId }: { documentId: string; callId: string }): Promise<{ open: OpenParagraph[]; summary: string; confirmedBy: { name: string; code: string }; at: Date } | null> {
	const event = await getDb().negotiationEvent.findFirst({
		where: { documentId, kind: { in: ['approval.call', 'silence.start'] }, detail: { contains: callId } },
		orderBy: { createdAt: 'asc' },
		select: { detail: true, createdAt: true, user: { select: { name: true } }, delegation: { select: { code: true } } },
	})
	if (!event) return null
	const detail = JSON.parse(event.detail) as { callId?: string; open?: OpenParagraph[]; openCounts?: OpenItems['counts'] }
	if (detail.callId !== callId || !Array.isArray(detail.open) || !detail.openCounts) return null
	const summary = summariseOpenItems({ paragraphs: detail.open, counts: detail.openCounts })
	return { open: detail.open, summary, confirmedBy: { name: event.user.name, code: event.delegation.code }, at: event.createdAt }
}

/**
 * How a document was adopted, for its page: the revision (label, hash, when), how (every member
 * state approved, or the silence procedure ended), and what was open when the call was made.
 * Null while it is not adopted.
 */
export async function getAdoption({ documentId }: { documentId: string }) {
	const document = await getDb().document.findUnique({
		where: { id: documentId },
		select: {
			adoptedRevision: {
				select: {
					number: true,
					label: true,
					hash: true,
					adoptedAt: true,
					calls: { where: { status: 'ADOPTED' }, select: { id: true, kind: true, approvals: { select: { kind: true, revisionHash: true } } } },
				},
			},
		},
	})
	const revision = document?.adoptedRevision
	if (!revision) return null
	const call = revision.calls[0] ?? null
	const answers = call?.approvals.filter((a) => a.revisionHash === revision.hash) ?? []
	return {
		revision: revision.number,
		label: revision.label,
		hash: revision.hash,
		at: revision.adoptedAt,
		how: call?.kind ?? null,
		approvals: answers.length,
		reservations: answers.filter((a) => a.kind === 'RESERVATION').length,
		openAtCall: call ? await getOpenAtCall({ documentId, callId: call.id }) : null,
	}
}

/** A member state's answer to the open call for approval; changeable while the call is open. */
export function answerCall(input: Parameters<typeof answerCallLocked>[0]) {
	return withDocumentLock(input.documentId, () => answerCallLocked(input))
}

async function answerCallLocked(input: { documentId: string; actor: RevisionActor; callId: string; kind: ApprovalKind; note: string }): Promise<Result> {
	if (!canAnswerApproval(input.actor)) return refused(403, 'A member state’s head of delegation, or a delegate the head authorised, answers a call for approval.')
	const call = await getDb().approvalCall.findFirst({ where: { id: input.callId, documentId: input.documentId }, include: { revision: true } })
	if (!call) return refused(404, 'No such call for approval.')
	if (call.kind !== 'APPROVAL') return refused(409, 'Under a silence procedure, a member state that objects breaks silence.')
	if (call.status !== 'OPEN') return refused(409, 'This call is closed.')
	if ((input.kind === 'RESERVATION' || input.kind === 'OBJECT') && input.note.trim() === '') {
		return refused(400, input.kind === 'RESERVATION' ? 'Write the text of the reservation.' : 'Give the reason for the objection.')
	}
	await getDb().approval.upsert({
		where: { callId_delegationId: { callId: call.id, delegationId: input.actor.delegationId } },
		create: { callId: call.id, revisionHash: call.revision.hash, delegationId: input.actor.delegationId, kind: input.kind, note: input.note.trim(), userId: input.actor.userId },
		update: { revisionHash: call.revision.hash, kind: input.kind, note: input.note.trim(), userId: input.actor.userId },
	})
	await record(input.documentId, input.actor, 'approval.answer', `${input.actor.delegationCode} ${APPROVAL_LABELS[input.kind].toLowerCase()} ${call.revision.label}`, {
		revision: call.revision.number,
		hash: call.revision.hash,
		kind: input.kind,
		note: input.note.trim(),
	})
	await settleCallLocked(call.id, new Date())
	return { ok: true }
}

export function breakSilence(input: Parameters<typeof breakSilenceLocked>[0]) {
	return withDocumentLock(input.documentId, () => breakSilenceLocked(input))
}

async function breakSilenceLocked(input: { documentId: string; actor: RevisionActor; callId: string; reason: string; now?: Date }): Promise<Result> {
	if (!canAnswerApproval(input.actor)) return refused(403, 'A member state’s head of delegation, or a delegate the head authorised, breaks silence.')
	const call = await getDb().approvalCall.findFirst({ where: { id: input.callId, documentId: input.documentId }, include: { revision: true } })
	if (!call || call.kind !== 'SILENCE') return refused(404, 'No such silence procedure.')
	if (call.status !== 'OPEN') return refused(409, 'This silence procedure is over.')
	const now = input.now ?? new Date()
	if (call.deadline && now.getTime() >= call.deadline.getTime()) return refused(409, 'The deadline has passed.')
	if (input.reason.trim() === '') return refused(400, 'Give the reason for breaking silence.')
	await getDb().silenceBreak.create({ data: { callId: call.id, delegationId: input.actor.delegationId, userId: input.actor.userId, reason: input.reason.trim(), createdAt: now } })
	await record(input.documentId, input.actor, 'silence.break', `${input.actor.delegationCode} broke silence on ${call.revision.label}`, { revision: call.revision.number, hash: call.revision.hash, reason: input.reason.trim() })
	await settleCallLocked(call.id, now)
	return { ok: true }
}

/**
 * Makes an old revision the live text again: a new step in the history (logged under the
 * person who restores), never a rewrite of it. Paragraphs keep their ids.
 */
export async function restoreRevision(input: { document: Pick<Document, 'id' | 'adoptedRevisionId'>; actor: RevisionActor; revisionNumber: number }): Promise<Result> {
	if (!input.actor.moderator) return refused(403, 'Only the Chair or the Secretariat restores a revision.')
	if (input.document.adoptedRevisionId) return refused(409, 'This document is adopted: its text is final.')
	const revision = await getDb().revision.findUnique({ where: { documentId_number: { documentId: input.document.id, number: input.revisionNumber } } })
	if (!revision) return refused(404, 'No such revision.')
	const resolved = await resolvedBracketIds(input.document.id)
	try {
		await getLiveDocuments().edit(input.document.id, input.actor, (doc) => replaceText(doc, revision.state, resolved))
	} catch (error) {
		if (error instanceof AdoptedTextError) return refused(409, error.message)
		throw error
	}
	await record(input.document.id, input.actor, 'revision.restore', `${input.actor.delegationCode} restored ${revision.label} as the live text`, { revision: revision.number, hash: revision.hash })
	return { ok: true }
}

/** Brackets already resolved: a restored text does not bring their marks back. */
async function resolvedBracketIds(documentId: string): Promise<string[]> {
	return (await getDb().bracket.findMany({ where: { documentId, status: 'RESOLVED' }, select: { id: true } })).map((b) => b.id)
}

/** Makes the live text the one a revision holds (ids, statuses and open brackets kept). */
function replaceText(doc: Y.Doc, state: Uint8Array, resolvedBrackets: readonly string[]) {
	const old = new Y.Doc()
	Y.applyUpdate(old, state)
	const blocks = old.getXmlFragment(DOCUMENT_FRAGMENT).toArray().filter((c): c is Y.XmlElement => c instanceof Y.XmlElement)
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	doc.transact(() => {
		fragment.delete(0, fragment.length)
		fragment.insert(0, blocks.map((b) => b.clone()))
		for (const id of resolvedBrackets) resolveBracketInText(doc, id, { kind: 'keep' })
	})
	old.destroy()
}

/** The Chair withdraws an open call (before anything is adopted); its answers stay on record. */
export function withdrawCall(input: Parameters<typeof withdrawCallLocked>[0]) {
	return withDocumentLock(input.documentId, () => withdrawCallLocked(input))
}

async function withdrawCallLocked(input: { documentId: string; actor: RevisionActor; callId: string }): Promise<Result> {
	if (!input.actor.moderator) return refused(403, 'Only the Chair or the Secretariat withdraws a call.')
	const call = await getDb().approvalCall.findFirst({ where: { id: input.callId, documentId: input.documentId }, include: { revision: true } })
	if (!call) return refused(404, 'No such call.')
	if (call.status !== 'OPEN') return refused(409, 'This call is closed.')
	const { count } = await getDb().approvalCall.updateMany({ where: { id: call.id, status: 'OPEN' }, data: { status: 'WITHDRAWN', closedAt: new Date() } })
	if (count === 0) return refused(409, 'This call is closed.')
	clearTimeout(timers.get(call.id))
	await record(input.documentId, input.actor, 'approval.call', `${input.actor.delegationCode} withdrew the call on ${call.revision.label}`, { revision: call.revision.number, hash: call.revision.hash })
	return { ok: true }
}

/**
 * Decides a call from the record: an approval call is adopted when every member state approved
 * (blocked stays open: answers may change); a silence procedure is broken at the first member
 * state's break, adopted at its deadline. Adoption marks the revision, freezes the document.
 */
export async function settleCall(callId: string, now: Date) {
	const call = await getDb().approvalCall.findUnique({ where: { id: callId }, select: { documentId: true } })
	if (!call) return
	await withDocumentLock(call.documentId, () => settleCallLocked(callId, now))
}

async function settleCallLocked(callId: string, now: Date) {
	const call = await getDb().approvalCall.findUnique({
		where: { id: callId },
		include: {
			revision: true,
			approvals: { select: { delegationId: true, kind: true, revisionHash: true, updatedAt: true } },
			breaks: { select: { createdAt: true, delegation: { select: { kind: true } } } },
			document: { select: { id: true, meetingId: true } },
		},
	})
	if (!call || call.status !== 'OPEN') return
	const members = (await getDb().delegation.findMany({ where: { meetingId: call.document.meetingId, kind: 'MEMBER' }, select: { id: true } })).map((d) => d.id)
	if (call.kind === 'APPROVAL') {
		// An approval counts only for the exact text it names.
		const answers = call.approvals.filter((a) => a.revisionHash === call.revision.hash)
		// Adopted when the last answer made consensus (not later, when a restart finds it).
		const last = answers.reduce((latest, a) => Math.max(latest, a.updatedAt.getTime()), 0) || now.getTime()
		if (approvalOutcome(members, answers).state === 'adopted') await adopt(call.id, new Date(Math.min(now.getTime(), last)))
		return
	}
	const outcome = silenceOutcome({ deadline: call.deadline!, breaks: call.breaks.map((b) => ({ at: b.createdAt, delegationKind: b.delegation.kind })) }, now)
	if (outcome.state === 'broken') {
		await getDb().approvalCall.updateMany({ where: { id: call.id, status: 'OPEN' }, data: { status: 'BROKEN', closedAt: outcome.at } })
		getLiveDocuments().notify(call.documentId, { type: 'negotiation', summary: 'Silence broken' })
	} else if (outcome.state === 'adopted') await adopt(call.id, outcome.at!)
}

async function adopt(callId: string, at: Date) {
	// Only an open call adopts, and only a document with nothing adopted yet.
	const adopted = await getDb().$transaction(async (tx) => {
		const call = await tx.approvalCall.findUniqueOrThrow({ where: { id: callId }, select: { documentId: true, revisionId: true } })
		const { count } = await tx.approvalCall.updateMany({ where: { id: callId, status: 'OPEN' }, data: { status: 'ADOPTED', closedAt: at } })
		if (count === 0) return false
		const { count: documents } = await tx.document.updateMany({ where: { id: call.documentId, adoptedRevisionId: null }, data: { adoptedRevisionId: call.revisionId } })
		if (documents === 0) throw new Error(`document ${call.documentId} is adopted already`)
		await tx.revision.update({ where: { id: call.revisionId }, data: { adoptedAt: at } })
		return true
	})
	if (adopted) await completeAdoption(callId)
}

/**
 * What follows an adoption recorded in the database: the live text becomes exactly the adopted
 * revision (its brackets as they were in it), frozen, and the record says so. The record comes
 * last, so a document adopted without it is one whose adoption a crash interrupted (resumeCalls).
 */
async function completeAdoption(callId: string) {
	const call = await getDb().approvalCall.findUniqueOrThrow({
		where: { id: callId },
		include: { revision: true, document: { select: { meetingId: true } }, openedBy: { select: { id: true, memberships: { select: { delegationId: true, delegation: { select: { meetingId: true } } } } } } },
	})
	const at = call.revision.adoptedAt ?? call.closedAt ?? new Date()
	// The adoption is recorded under whoever opened the call, in this meeting's delegation.
	const membership = call.openedBy.memberships.find((m) => m.delegation.meetingId === call.document.meetingId)
	const actor = { userId: call.openedById, delegationId: membership?.delegationId ?? call.revision.delegationId }
	await getLiveDocuments().edit(
		call.documentId,
		actor,
		(doc) => {
			if (doc.getMap(META_MAP).get('adopted') !== undefined) return
			replaceText(doc, call.revision.state, [])
			doc.getMap(META_MAP).set('adopted', { revision: call.revision.number, label: call.revision.label, hash: call.revision.hash, at: at.toISOString() })
		},
		{ evenIfAdopted: true },
	)
	await record(call.documentId, actor, 'adopted', `${call.revision.label} adopted${call.kind === 'SILENCE' ? ' at the end of the silence procedure' : ' by every member state'} (${call.revision.hash.slice(0, 12)})`, {
		revision: call.revision.number,
		hash: call.revision.hash,
		at: at.toISOString(),
	})
}

const MAX_TIMER_MS = 2 ** 31 - 1

/** Decides a silence procedure at its deadline (re-armed for deadlines beyond a timer's reach). */
export function scheduleSilence(callId: string, deadline: Date) {
	clearTimeout(timers.get(callId))
	const wait = Math.max(0, deadline.getTime() - Date.now())
	const timer = setTimeout(() => {
		timers.delete(callId)
		if (shared.stopping) return
		if (Date.now() < deadline.getTime()) return scheduleSilence(callId, deadline)
		settleCall(callId, new Date()).catch((error) => console.error(`[silence] deciding call ${callId} failed:`, error))
	}, Math.min(wait, MAX_TIMER_MS))
	timer.unref()
	timers.set(callId, timer)
}

/**
 * On start, whatever a crash or a stop left undecided is decided from the record:
 * - an adoption in the database whose text and record were not yet written is completed;
 * - an approval call whose answers already make consensus (a crash between the last answer and
 *   the adoption) is adopted, at the time of that answer;
 * - a silence procedure whose deadline passed while the server was stopped is decided with the
 *   deadline's time; the others are scheduled.
 * Returns how many open calls were checked.
 */
export async function resumeCalls(now = new Date()) {
	shared.stopping = false
	// Adopted, but the record does not say so yet: a crash came between the adoption and writing
	// the text. Only those are read, not every adopted document.
	const interrupted = await getDb().approvalCall.findMany({
		where: { status: 'ADOPTED', document: { adoptedRevisionId: { not: null }, events: { none: { kind: 'adopted' } } } },
		select: { id: true },
	})
	for (const call of interrupted) await completeAdoption(call.id)
	const open = await getDb().approvalCall.findMany({ where: { status: 'OPEN' }, select: { id: true, kind: true, deadline: true } })
	for (const call of open) {
		if (call.kind === 'APPROVAL') await settleCall(call.id, now)
		else if (call.deadline && call.deadline.getTime() <= now.getTime()) await settleCall(call.id, now)
		else if (call.deadline) scheduleSilence(call.id, call.deadline)
	}
	return open.length
}

export function stopSilenceClock() {
	shared.stopping = true
	for (const timer of timers.values()) clearTimeout(timer)
	timers.clear()
}

/** What is still open in each revision (number → items), for the Chair deciding whether to call for approval. */
export async function getOpenItemsByRevision({ document }: { document: Pick<Document, 'id' | 'preambleStyle'> }): Promise<Record<number, OpenItems>> {
	const [threads, revisions] = await Promise.all([
		getOpenThreads(document.id),
		getDb().revision.findMany({ where: { documentId: document.id }, select: { number: true, state: true } }),
	])
	return Object.fromEntries(revisions.map((r) => [r.number, openItemsOf(r.state, threads, preambleOf(document.preambleStyle))]))
}
