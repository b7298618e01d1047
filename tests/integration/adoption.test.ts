import { expect, test } from 'vitest'
import type { OpenParagraph } from '#app/domain/adoption.ts'
import { createThread, reply, setPosition, setThreadStatus, type CommentActor } from '#app/models/comments.server.ts'
import { proposeAlternative, supportBracket } from '#app/models/negotiation.server.ts'
import { answerCall, getAdoption } from '#app/models/revisions.server.ts'
import { action } from '#app/routes/document.revisions.tsx'
import { createMeeting, headActor, sessionCookie } from '#tests/factories/meeting.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/**
 * Issue 28, the text stays whole: a call for approval (or a silence procedure) on a text with
 * open paragraphs, brackets or unresolved comments is refused until the Chair confirms having
 * seen them; the record keeps who confirmed, when and what was open. Once adopted, comments,
 * positions, alternatives and support are closed.
 */
const world = useSyncFixture(async (prisma) => {
	// A second meeting whose statement is whole: every paragraph agreed, nothing pending.
	const whole = await createMeeting(prisma, {
		slug: 'accsm-whole',
		blocks: [
			{ type: 'paragraph', id: 'pw1', kind: 'preambular', status: 'agreed', text: 'Nhắc lại Tuyên bố về tăng cường năng lực ứng phó của nền công vụ;' },
			{ type: 'paragraph', id: 'pw2', kind: 'operative', status: 'agreed', text: 'Agree to accelerate the Plan of Action.' },
		],
	})
	return { whole }
})

const db = () => world.db.prisma

async function post(fixture: { document: { slug: string }; people: Record<string, { id: string }> }, code: string, fields: Record<string, string | number>) {
	const body = new FormData()
	for (const [k, v] of Object.entries(fields)) body.set(k, String(v))
	const slug = fixture.document.slug
	const request = new Request(`http://localhost/documents/${slug}/revisions`, { method: 'POST', headers: { cookie: await sessionCookie(fixture.people[code]!.id) }, body })
	const response = (await action({ request, params: { slug }, context: {} } as never)) as { data: { ok: boolean; error: string | null }; init: ResponseInit | null }
	return { status: response.init?.status ?? 200, ...response.data }
}

const callEvents = (documentId: string) => db().negotiationEvent.findMany({ where: { documentId, kind: { in: ['approval.call', 'silence.start'] } }, orderBy: { createdAt: 'asc' } })

test('a text that is not whole is called for approval only with the Chair’s confirmation, recorded with what was open', async () => {
	const { document, people } = world.fixture
	// The test statement: a preambular paragraph and an operative one, both open; a comment of
	// Thailand's on the operative paragraph, unresolved.
	const tha = await db().delegation.findFirstOrThrow({ where: { code: 'THA', meetingId: world.fixture.meeting.id } })
	expect(await post(world.fixture, 'VNM', { intent: 'issue', label: 'Chair’s draft' })).toMatchObject({ ok: true })
	const revision = await db().revision.findFirstOrThrow({ where: { documentId: document.id, number: 1 } })
	const opId = revision.canonical.split('\n').find((line) => line.includes('\toperative\t'))!.split('\t')[1]!
	await db().commentThread.create({
		data: {
			documentId: document.id,
			paragraphId: opId,
			anchorStart: new Uint8Array([0]),
			anchorEnd: new Uint8Array([0]),
			quote: 'Plan of Action',
			authorId: people.THA!.id,
			delegationId: tha.id,
			comments: { create: { authorId: people.THA!.id, delegationId: tha.id, body: 'Which Plan of Action? @VNM' } },
		},
	})

	// Without the confirmation: refused with a sentence, no call opened, nothing recorded.
	const refused = await post(world.fixture, 'VNM', { intent: 'call', revision: 1 })
	expect(refused).toMatchObject({ status: 400, ok: false })
	expect(refused.error).toBe('Chair’s draft is not whole yet (2 paragraphs not agreed, 1 unresolved comment thread). Look at what is still open, then confirm that you call for approval anyway.')
	const silence = await post(world.fixture, 'VNM', { intent: 'silence', revision: 1, deadline: '2031-08-05T17:00', timeZone: 'Asia/Ho_Chi_Minh' })
	expect(silence).toMatchObject({ status: 400 })
	expect(silence.error).toContain('confirm that you circulate it under silence anyway')
	expect(await post(world.fixture, 'VNM', { intent: 'call', revision: 1, confirmOpen: 'yes please' })).toMatchObject({ status: 400, error: 'Tick the box to say that you go ahead although the text is not whole.' })
	expect(await db().approvalCall.count({ where: { documentId: document.id } })).toBe(0)
	expect(await callEvents(document.id)).toEqual([])
	// Confirming is the Chair's (or the Secretariat's): a member state that ticks the box is still refused.
	expect(await post(world.fixture, 'THA', { intent: 'call', revision: 1, confirmOpen: 'on' })).toMatchObject({ status: 403 })

	// With it: the call opens, and the record holds who confirmed, when, and what was open.
	expect(await post(world.fixture, 'VNM', { intent: 'call', revision: 1, confirmOpen: 'on' })).toMatchObject({ ok: true })
	const call = await db().approvalCall.findFirstOrThrow({ where: { documentId: document.id, status: 'OPEN' } })
	const [event] = await callEvents(document.id)
	expect(event).toMatchObject({ userId: people.VNM!.id })
	expect(event!.createdAt).toBeInstanceOf(Date)
	expect(event!.summary).toBe('VNM called for approval of Chair’s draft, knowing that it was not whole: 2 paragraphs not agreed, 1 unresolved comment thread')
	const detail = JSON.parse(event!.detail) as { callId: string; hash: string; confirmedOpen: boolean; open: OpenParagraph[]; openCounts: Record<string, number> }
	expect(detail).toMatchObject({ callId: call.id, hash: revision.hash, confirmedOpen: true, openCounts: { notAgreed: 2, adRef: 0, brackets: 0, suggestions: 0, threads: 1 } })
	expect(detail.open.map((p) => [p.name, p.status, p.threads])).toEqual([
		['PP', 'open', []],
		['OP 1', 'open', [{ delegation: 'THA', quote: 'Plan of Action' }]],
	])
	expect(detail.open[0]!.excerpt).toBe('Kế hoạch làm việc 5 năm giai đoạn 2021-2025 của ACCSM vẫn…')

	// Every member state approves: adopted; the page's record says how, with the hash and what was open.
	for (const code of ['VNM', 'THA', 'BRN']) {
		expect(await answerCall({ documentId: document.id, actor: await headActor(db(), world.fixture, code), callId: call.id, kind: code === 'BRN' ? 'RESERVATION' : 'APPROVE', note: code === 'BRN' ? 'Theo quy định của pháp luật quốc gia.' : '' })).toMatchObject({ ok: true })
	}
	const adoption = await getAdoption({ documentId: document.id })
	expect(adoption).toMatchObject({ label: 'Chair’s draft', hash: revision.hash, how: 'APPROVAL', approvals: 3, reservations: 1 })
	expect(adoption!.at).toBeInstanceOf(Date)
	expect(adoption!.openAtCall).toMatchObject({ confirmedBy: { code: 'VNM', name: people.VNM!.name }, open: detail.open })

	// Adopted: comments, replies, thread statuses, positions, alternatives and support are closed.
	const thread = await db().commentThread.findFirstOrThrow({ where: { documentId: document.id } })
	const commenter = async (code: string): Promise<CommentActor> => {
		const actor = await headActor(db(), world.fixture, code)
		return { ...actor, name: people[code]!.name, access: 'edit', moderator: code === 'VNM' }
	}
	const closed = { ok: false, status: 409, message: 'This text is adopted: its comments and positions are closed and stay as they were.' }
	const doc = { id: document.id, meetingId: world.fixture.meeting.id }
	expect(await reply({ document: doc, actor: await commenter('VNM'), threadId: thread.id, body: 'Kế hoạch hành động.' })).toEqual(closed)
	expect(await createThread({ document: doc, actor: await commenter('BRN'), paragraphId: opId, quote: 'Plan', anchor: { start: 'AA==', end: 'AA==' }, body: 'Late' })).toEqual(closed)
	expect(await setThreadStatus({ documentId: document.id, actor: await commenter('THA'), threadId: thread.id, status: 'RESOLVED' })).toEqual(closed)
	expect(await setPosition({ document: doc, actor: await commenter('THA'), paragraphId: opId, kind: 'SUPPORT', note: '', threadId: null })).toEqual(closed)
	const negotiator = { ...(await headActor(db(), world.fixture, 'THA')), role: 'delegate' as const }
	expect(await proposeAlternative({ documentId: document.id, bracketId: 'any', text: 'Other words', actor: negotiator })).toMatchObject({ ok: false, status: 409 })
	expect(await supportBracket({ documentId: document.id, bracketId: 'any', target: 'text', actor: negotiator })).toMatchObject({ ok: false, status: 409 })
	expect(await db().comment.count({ where: { threadId: thread.id } })).toBe(1)
})

test('a whole text is called without a second step, and the record says nothing was open', async () => {
	const { whole } = world.extra
	expect(await post(whole, 'VNM', { intent: 'issue', label: 'Rev.1' })).toMatchObject({ ok: true })
	expect(await post(whole, 'VNM', { intent: 'call', revision: 1 })).toMatchObject({ ok: true })
	const [event] = await callEvents(whole.document.id)
	expect(event!.summary).toBe('VNM called for approval of Rev.1')
	expect(JSON.parse(event!.detail)).toMatchObject({ confirmedOpen: false, open: [] })
})
