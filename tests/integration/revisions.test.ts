import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { action } from '#app/routes/document.revisions.tsx'
import { sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/**
 * Revisions, approval and silence through the real route, with every role. The test meeting
 * has three member states (VNM in the Chair, THA, BRN), a partner (JPN), the Secretariat and
 * an observer (AUS).
 */
const world = useSyncFixture()

async function post(code: string, fields: Record<string, string | number>) {
	const body = new FormData()
	for (const [k, v] of Object.entries(fields)) body.set(k, String(v))
	const slug = world.fixture.document.slug
	const request = new Request(`http://localhost/documents/${slug}/revisions`, { method: 'POST', headers: { cookie: await sessionCookie(world.fixture.people[code]!.id) }, body })
	const response = (await action({ request, params: { slug }, context: {} } as never)) as { data: { ok: boolean; error: string | null }; init: ResponseInit | null }
	return { status: response.init?.status ?? 200, ...response.data }
}

const db = () => world.db.prisma
const documentId = () => world.fixture.document.id
const openCall = () => db().approvalCall.findFirstOrThrow({ where: { documentId: documentId(), status: 'OPEN' } })

test('revisions are issued by the Chair or the Secretariat; the hash names the exact text', async () => {
	expect(await post('THA', { intent: 'issue', label: 'Rev.1' })).toMatchObject({ status: 403 })
	expect(await post('VNM', { intent: 'issue', label: '  ' })).toMatchObject({ status: 400 })
	expect(await post('VNM', { intent: 'issue', label: 'Chair’s draft', note: 'Circulated on 3 August' })).toMatchObject({ ok: true })
	expect(await post('ASEC', { intent: 'issue', label: 'Rev.1' })).toMatchObject({ ok: true })
	const [draft, rev1] = await db().revision.findMany({ where: { documentId: documentId() }, orderBy: { number: 'asc' } })
	expect(draft).toMatchObject({ number: 1, label: 'Chair’s draft' })
	expect(rev1).toMatchObject({ number: 2, label: 'Rev.1' })
	expect(rev1!.hash).toBe(draft!.hash) // nothing changed between them
	expect(rev1!.canonical).toContain('Kế hoạch làm việc 5 năm')
})

test('approval: only member states’ heads answer; an approval of one revision does not count for another; all approve → adopted and frozen', async () => {
	expect(await post('THA', { intent: 'call', revision: 1 })).toMatchObject({ status: 403 })
	// The test text is not whole (its paragraphs are open): the Chair confirms (tests/integration/adoption.test.ts).
	expect(await post('VNM', { intent: 'call', revision: 1, confirmOpen: 'on' })).toMatchObject({ ok: true })
	expect(await post('VNM', { intent: 'call', revision: 2 })).toMatchObject({ status: 409 }) // one call at a time
	const first = await openCall()
	for (const code of ['JPN', 'AUS', 'ASEC']) expect(await post(code, { intent: 'answer', callId: first.id, kind: 'APPROVE' })).toMatchObject({ status: 403 })
	expect(await post('THA', { intent: 'answer', callId: first.id, kind: 'OBJECT', note: '' })).toMatchObject({ status: 400 })
	expect(await post('THA', { intent: 'answer', callId: first.id, kind: 'ABSTAIN' })).toMatchObject({ status: 400, error: 'Answer approve, approve with a reservation, or object.' })
	expect(await post('THA', { intent: 'answer', callId: first.id, kind: 'APPROVE' })).toMatchObject({ ok: true })
	expect(await post('VNM', { intent: 'withdraw', callId: first.id })).toMatchObject({ ok: true })

	// The text moves on: Rev.2 differs, and Thailand's approval of the Chair's draft is not one of Rev.2.
	const client = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(world.fixture.people.VNM!.id) })
	await expect.poll(() => client.synced()).toBe(true)
	const op = (client.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	op.insert(op.length, ' at national and regional levels')
	await expect.poll(async () => (await world.server.sync.rooms.rooms.get(documentId())?.flushed(), true)).toBe(true)
	expect(await post('VNM', { intent: 'issue', label: 'Rev.2' })).toMatchObject({ ok: true })
	const rev2 = await db().revision.findFirstOrThrow({ where: { documentId: documentId(), number: 3 } })
	expect(rev2.canonical).toContain('at national and regional levels')
	expect(await post('VNM', { intent: 'call', revision: 3, confirmOpen: 'on' })).toMatchObject({ ok: true })
	const second = await openCall()
	expect(await db().approval.count({ where: { callId: second.id } })).toBe(0)
	expect(await post('BRN', { intent: 'answer', callId: second.id, kind: 'RESERVATION', note: 'Theo quy định của pháp luật quốc gia.' })).toMatchObject({ ok: true })
	expect(await post('THA', { intent: 'answer', callId: second.id, kind: 'OBJECT', note: 'Awaiting capital.' })).toMatchObject({ ok: true })
	expect(await post('VNM', { intent: 'answer', callId: second.id, kind: 'APPROVE' })).toMatchObject({ ok: true })
	expect((await db().approvalCall.findUniqueOrThrow({ where: { id: second.id } })).status).toBe('OPEN') // one objection blocks
	expect(await post('THA', { intent: 'answer', callId: second.id, kind: 'APPROVE' })).toMatchObject({ ok: true }) // changed until the call closes
	const adopted = await db().approvalCall.findUniqueOrThrow({ where: { id: second.id }, include: { approvals: true } })
	expect(adopted.status).toBe('ADOPTED')
	expect(adopted.approvals.every((a) => a.revisionHash === rev2.hash)).toBe(true)
	expect((await db().revision.findUniqueOrThrow({ where: { id: rev2.id } })).adoptedAt).not.toBeNull()
	expect((await db().document.findUniqueOrThrow({ where: { id: documentId() } })).adoptedRevisionId).toBe(rev2.id)

	// Frozen: any change over the socket is refused and undone; no new call or revision.
	await expect.poll(() => client.doc.getMap('meta').get('adopted')).toMatchObject({ label: 'Rev.2', hash: rev2.hash })
	const before = readBlocks(client.doc)
	// The adopted text replaced the live one (exactly Rev.2): write into what is there now.
	expect(before[1]!.text).toContain('at national and regional levels')
	;((client.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'Late words ')
	await expect.poll(() => client.denied.length).toBe(1)
	await expect.poll(() => JSON.stringify(readBlocks(client.doc))).toBe(JSON.stringify(before))
	expect(await post('VNM', { intent: 'issue', label: 'Rev.3' })).toMatchObject({ status: 409 })
	expect(await post('THA', { intent: 'answer', callId: second.id, kind: 'OBJECT', note: 'Too late' })).toMatchObject({ status: 409 })

	// A crafted change to the adopted revision or its answers is refused by the database itself.
	await expect(db().revision.update({ where: { id: rev2.id }, data: { label: 'Forged' } })).rejects.toThrow(/adopted/)
	await expect(db().revision.delete({ where: { id: rev2.id } })).rejects.toThrow()
	await expect(db().approval.updateMany({ where: { callId: second.id }, data: { kind: 'OBJECT' } })).rejects.toThrow(/closed/)
	await expect(db().approvalCall.update({ where: { id: second.id }, data: { status: 'OPEN' } })).rejects.toThrow(/adopted/)
	await expect(db().document.update({ where: { id: documentId() }, data: { adoptedRevisionId: null } })).rejects.toThrow(/adopted/)
	await expect(db().silenceBreak.create({ data: { callId: second.id, delegationId: adopted.approvals[0]!.delegationId, userId: world.fixture.people.THA!.id, reason: 'forged' } })).rejects.toThrow(/closed/)
	// Nor does the server change an adopted text, not even for the Chair.
	const { setParagraphStatus } = await import('#app/models/negotiation.server.ts')
	const chairDelegation = await db().delegation.findFirstOrThrow({ where: { code: 'VNM', meetingId: world.fixture.meeting.id } })
	const op1 = readBlocks(client.doc)[1]!
	expect(
		await setParagraphStatus({
			document: { id: documentId(), preambleStyle: 'NONE' },
			paragraphId: op1.id,
			to: 'agreed',
			actor: { userId: world.fixture.people.VNM!.id, delegationId: chairDelegation.id, delegationCode: 'VNM', role: 'chair' },
		}),
	).toMatchObject({ ok: false, status: 409 })
	client.destroy()
})
