import { expect, test } from 'vitest'
import { answerCall, issueRevision, openCall, type RevisionActor } from '#app/models/revisions.server.ts'
import { action } from '#app/routes/meeting.tsx'
import { sessionCookie } from '#tests/factories/meeting.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/** A head authorises a delegate to answer calls for approval; nobody else can. */
const world = useSyncFixture(async (prisma) => {
	const tha = await prisma.delegation.findFirstOrThrow({ where: { code: 'THA' } })
	const user = await prisma.user.create({ data: { email: 'tha.delegate.test@example.org', name: 'Kittipong Chaiyasit', passwordHash: 'x' } })
	const member = await prisma.delegationMember.create({ data: { delegationId: tha.id, userId: user.id, role: 'DELEGATE' } })
	return { delegateId: user.id, memberId: member.id, thaId: tha.id }
})

async function authorise(userId: string, mayAnswer: boolean) {
	const body = new FormData()
	body.set('memberId', world.extra.memberId)
	body.set('mayAnswer', String(mayAnswer))
	const slug = world.fixture.meeting.slug
	const request = new Request(`http://localhost/meetings/${slug}`, { method: 'POST', headers: { cookie: await sessionCookie(userId) }, body })
	const response = (await action({ request, params: { meetingSlug: slug }, context: {} } as never)) as { data: { error: string | null }; init: ResponseInit | null }
	return { status: response.init?.status ?? 200, ...response.data }
}

test('only the head authorises; the authorised delegate answers for the member state', async () => {
	const document = await world.db.prisma.document.findUniqueOrThrow({ where: { id: world.fixture.document.id } })
	const vnm = await world.db.prisma.delegation.findFirstOrThrow({ where: { code: 'VNM', meetingId: world.fixture.meeting.id } })
	const chair: RevisionActor = { userId: world.fixture.people.VNM!.id, delegationId: vnm.id, delegationCode: 'VNM', delegationKind: 'MEMBER', role: 'HEAD', moderator: true }
	await issueRevision({ document, actor: chair, label: 'Rev.1', note: '' })
	const call = (await openCall({ document, actor: chair, revisionNumber: 1, kind: 'APPROVAL', deadline: null, timeZone: null, confirmOpen: true })) as { callId: string }
	const delegate: RevisionActor = { userId: world.extra.delegateId, delegationId: world.extra.thaId, delegationCode: 'THA', delegationKind: 'MEMBER', role: 'DELEGATE', moderator: false }
	expect(await answerCall({ documentId: document.id, actor: delegate, callId: call.callId, kind: 'APPROVE', note: '' })).toMatchObject({ status: 403 })
	expect(await authorise(world.fixture.people.VNM!.id, true)).toMatchObject({ status: 403 }) // another delegation's head
	expect(await authorise(world.extra.delegateId, true)).toMatchObject({ status: 403 }) // not oneself
	expect(await authorise(world.fixture.people.THA!.id, true)).toMatchObject({ error: null })
	const member = await world.db.prisma.delegationMember.findUniqueOrThrow({ where: { id: world.extra.memberId } })
	expect(member.mayAnswer).toBe(true)
	expect(await answerCall({ documentId: document.id, actor: { ...delegate, mayAnswer: member.mayAnswer }, callId: call.callId, kind: 'APPROVE', note: '' })).toMatchObject({ ok: true })
})
