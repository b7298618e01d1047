import { expect, test } from 'vitest'
import { breakSilence, getAdoption, issueRevision, openCall, resumeCalls, stopSilenceClock } from '#app/models/revisions.server.ts'
import { headActor } from '#tests/factories/meeting.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/**
 * The silence procedure: a deadline passing while the server is stopped is decided on the next
 * start, from the record, with the deadline's time; a member state's break before it stops it.
 */
const world = useSyncFixture()

const actor = (code: string, moderator = false) => headActor(world.db.prisma, world.fixture, code, moderator)

test('silence broken by a member state before the deadline: not adopted', async () => {
	const document = await world.db.prisma.document.findUniqueOrThrow({ where: { id: world.fixture.document.id } })
	const chair = await actor('VNM', true)
	expect(await issueRevision({ document, actor: chair, label: 'Rev.1', note: '' })).toMatchObject({ ok: true })
	const deadline = new Date('2031-08-05T10:00:00Z') // 17:00 in Ha Noi
	const opened = await openCall({ document, actor: chair, revisionNumber: 1, kind: 'SILENCE', deadline, timeZone: 'Asia/Ho_Chi_Minh', confirmOpen: true })
	expect(opened).toMatchObject({ ok: true })
	const callId = (opened as { callId: string }).callId
	stopSilenceClock()
	expect(await breakSilence({ documentId: document.id, actor: await actor('JPN'), callId, reason: 'Japan' })).toMatchObject({ status: 403 })
	expect(await breakSilence({ documentId: document.id, actor: await actor('THA'), callId, reason: '' })).toMatchObject({ status: 400 })
	expect(await breakSilence({ documentId: document.id, actor: await actor('THA'), callId, reason: 'Cần thêm thời gian tham vấn.', now: new Date('2031-08-05T09:59:00Z') })).toMatchObject({ ok: true })
	expect((await world.db.prisma.approvalCall.findUniqueOrThrow({ where: { id: callId } })).status).toBe('BROKEN')
})

test('the deadline passes while the server is stopped: adopted on start, at the deadline', async () => {
	const document = await world.db.prisma.document.findUniqueOrThrow({ where: { id: world.fixture.document.id } })
	const chair = await actor('VNM', true)
	const deadline = new Date('2031-09-01T09:00:00Z') // 17:00 in Bandar Seri Begawan
	const opened = await openCall({ document, actor: chair, revisionNumber: 1, kind: 'SILENCE', deadline, timeZone: 'Asia/Brunei', confirmOpen: true })
	expect(opened).toMatchObject({ ok: true })
	const callId = (opened as { callId: string }).callId
	// The server stops before the deadline…
	stopSilenceClock()
	// …and starts again two days after it.
	expect(await resumeCalls(new Date('2031-09-03T00:00:00Z'))).toBe(1)
	const call = await world.db.prisma.approvalCall.findUniqueOrThrow({ where: { id: callId }, include: { revision: true } })
	expect(call.status).toBe('ADOPTED')
	expect(call.closedAt?.toISOString()).toBe(deadline.toISOString())
	expect(call.revision.adoptedAt?.toISOString()).toBe(deadline.toISOString())
	const events = await world.db.prisma.negotiationEvent.findMany({ where: { documentId: document.id, kind: 'adopted' } })
	expect(events).toHaveLength(1)
	expect(JSON.parse(events[0]!.detail)).toMatchObject({ hash: call.revision.hash, at: deadline.toISOString() })
	// The document page says how: at the end of the silence procedure, at the deadline, with what was open.
	const adoption = await getAdoption({ documentId: document.id })
	expect(adoption).toMatchObject({ label: 'Rev.1', hash: call.revision.hash, how: 'SILENCE', at: deadline })
	expect(adoption!.openAtCall!.open.map((p) => p.name)).toEqual(['PP', 'OP 1'])
})
