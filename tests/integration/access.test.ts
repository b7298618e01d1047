import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { moveMember, removeMember, setMemberRole } from '#app/models/meeting.server.ts'
import { getAdoption, issueRevision, openCall, resumeCalls } from '#app/models/revisions.server.ts'
import { loader as compilation } from '#app/routes/document.compilation.ts'
import { loader as positions } from '#app/routes/document.positions.tsx'
import { logout } from '#app/utils/auth.server.ts'
import { createMeeting, headActor, loggedIn, sessionCookie, syncTokenFor } from '#tests/factories/meeting.ts'
import { connectClient, rawConnect } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/**
 * Issue 29: sync tokens are bound to the session that asked for them; logout, expiry, a change
 * of role and removal from the meeting end the sockets opened with them (and with cookies)
 * within seconds; who reads positions; a crash between consensus and adoption is repaired.
 */
const world = useSyncFixture(async (prisma) => {
	const plus3 = await createMeeting(prisma, { slug: 'accsm-plus3', framework: 'ACCSM_PLUS_3' })
	const tha = await prisma.delegation.findFirstOrThrow({ where: { code: 'THA', meeting: { slug: 'accsm-test' } } })
	const aus = await prisma.delegation.findFirstOrThrow({ where: { code: 'AUS', meeting: { slug: 'accsm-test' } } })
	// Thailand's delegates and advisers, whose access the tests change.
	const person = async (email: string, name: string, role: 'DELEGATE' | 'ADVISER') => {
		const user = await prisma.user.create({ data: { email, name, passwordHash: 'x' } })
		const member = await prisma.delegationMember.create({ data: { delegationId: tha.id, userId: user.id, role } })
		return { userId: user.id, memberId: member.id }
	}
	return {
		plus3,
		observerDelegationId: aus.id,
		demoted: await person('tha.demoted@example.org', 'Kittipong Chaiyasit', 'DELEGATE'),
		moved: await person('tha.moved@example.org', 'Nattaya Srisuk', 'DELEGATE'),
		removed: await person('tha.removed@example.org', 'Somchai Boonmee', 'DELEGATE'),
		untouched: await person('tha.untouched@example.org', 'Wanida Phrom', 'ADVISER'),
		direct: await person('tha.direct@example.org', 'Prasert Chanthong', 'DELEGATE'),
	}
})

const slug = () => world.fixture.document.slug
const url = (query = '') => `${world.server.url}/${slug()}${query}`
const codes = (client: { closes: { code: number }[] }) => client.closes.map((c) => c.code)
const tokenClient = async (userId: string) => {
	const minted = await syncTokenFor({ documentId: world.fixture.document.id, userId })
	const client = connectClient(world.server.url, slug(), { token: minted.token })
	await expect.poll(() => client.synced()).toBe(true)
	return { client, ...minted }
}

test('a token taken before logout opens nothing after it, and its open socket closes at logout', async () => {
	const { client, token, cookie } = await tokenClient(world.fixture.people.BRN!.id)
	const cookieClient = connectClient(world.server.url, slug(), { cookie })
	await expect.poll(() => cookieClient.synced()).toBe(true)
	// The same person's other laptop (another session) stays.
	const other = await tokenClient(world.fixture.people.BRN!.id)
	await logout(new Request('http://localhost/logout', { method: 'POST', headers: { cookie } }))
	await expect.poll(() => codes(client)).toContain(CLOSE_CODES.unauthenticated)
	await expect.poll(() => codes(cookieClient)).toContain(CLOSE_CODES.unauthenticated)
	const again = rawConnect(url(`?token=${encodeURIComponent(token)}`))
	expect((await again.closed).code).toBe(CLOSE_CODES.unauthenticated)
	expect(other.client.closes).toEqual([])
	for (const c of [client, cookieClient, other.client]) c.destroy()
})

test('demoted to adviser or moved to an observer delegation: the socket reconnects under the new rules', async () => {
	const demoted = await tokenClient(world.extra.demoted.userId)
	const moved = connectClient(world.server.url, slug(), { cookie: await sessionCookie(world.extra.moved.userId) })
	const untouched = await tokenClient(world.extra.untouched.userId)
	await expect.poll(() => moved.synced()).toBe(true)
	await setMemberRole({ memberId: world.extra.demoted.memberId, role: 'ADVISER' })
	await moveMember({ memberId: world.extra.moved.memberId, delegationId: world.extra.observerDelegationId })
	await expect.poll(() => codes(demoted.client), { timeout: 3_000 }).toContain(CLOSE_CODES.accessChanged)
	await expect.poll(() => codes(moved), { timeout: 3_000 }).toContain(CLOSE_CODES.accessChanged)
	expect(untouched.client.closes).toEqual([])
	// Reconnected, the observer reads only: a change is refused.
	moved.destroy()
	const again = connectClient(world.server.url, slug(), { cookie: await sessionCookie(world.extra.moved.userId) })
	await expect.poll(() => again.synced()).toBe(true)
	const text = (again.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	text.insert(0, 'as an observer ')
	await expect.poll(() => again.denied.length).toBeGreaterThan(0)
	for (const c of [demoted.client, untouched.client, again]) c.destroy()
})

test('removed from the meeting: token and cookie sockets close (4403), and nothing opens again', async () => {
	const { client, token, cookie } = await tokenClient(world.extra.removed.userId)
	const cookieClient = connectClient(world.server.url, slug(), { cookie })
	await expect.poll(() => cookieClient.synced()).toBe(true)
	await removeMember({ memberId: world.extra.removed.memberId })
	await expect.poll(() => codes(client), { timeout: 3_000 }).toContain(CLOSE_CODES.forbidden)
	await expect.poll(() => codes(cookieClient), { timeout: 3_000 }).toContain(CLOSE_CODES.forbidden)
	const again = rawConnect(url(`?token=${encodeURIComponent(token)}`))
	expect((await again.closed).code).toBe(CLOSE_CODES.forbidden)
	client.destroy()
	cookieClient.destroy()
})

test('changed behind the app’s back (the database itself): found within the sweep', async () => {
	const { prisma } = world.db
	const { client } = await tokenClient(world.extra.direct.userId)
	const expiring = await loggedIn(world.fixture.people.VNM!.id)
	const expiringClient = connectClient(world.server.url, slug(), { cookie: expiring.cookie })
	await expect.poll(() => expiringClient.synced()).toBe(true)
	await prisma.delegationMember.delete({ where: { id: world.extra.direct.memberId } })
	await prisma.session.update({ where: { id: expiring.sessionId }, data: { expiresAt: new Date(Date.now() - 1_000) } })
	await expect.poll(() => codes(client), { timeout: 12_000 }).toContain(CLOSE_CODES.forbidden)
	await expect.poll(() => codes(expiringClient), { timeout: 12_000 }).toContain(CLOSE_CODES.unauthenticated)
	client.destroy()
	expiringClient.destroy()
})

test('positions and the compilation: read by those who negotiate the text, for every role', async () => {
	const load = async (route: typeof positions | typeof compilation, userId: string, documentSlug: string) => {
		const request = new Request(`http://localhost/documents/${documentSlug}/positions`, { headers: { cookie: await sessionCookie(userId) } })
		try {
			const result = await route({ request, params: { slug: documentSlug }, context: {} } as never)
			return result instanceof Response ? result.status : 200
		} catch (thrown) {
			if (thrown instanceof Response) return thrown.status
			throw thrown
		}
	}
	const asean = world.fixture
	const plus3 = world.extra.plus3
	// [who, in an ASEAN text, in an ACCSM+3 text]
	const expected: [string, number, number][] = [
		['VNM', 200, 200], // the Chair, a member state
		['THA', 200, 200],
		['ASEC', 200, 200],
		['JPN', 403, 200], // a dialogue partner negotiates only ACCSM+3 texts
		['AUS', 403, 403], // an observer reads the text, not the positions
	]
	for (const [code, inAsean, inPlus3] of expected) {
		for (const route of [positions, compilation]) {
			expect([code, await load(route, asean.people[code]!.id, asean.document.slug)]).toEqual([code, inAsean])
			expect([code, await load(route, plus3.people[code]!.id, plus3.document.slug)]).toEqual([code, inPlus3])
		}
	}
	expect(await load(positions, asean.outsider.id, asean.document.slug)).toBe(403)
	// Thailand's adviser reads them too (its delegation negotiates).
	expect(await load(compilation, world.extra.untouched.userId, asean.document.slug)).toBe(200)
})

test('a crash between the last approval and the adoption: adopted on start, at the last answer', async () => {
	const { prisma } = world.db
	const plus3 = world.extra.plus3
	const document = await prisma.document.findUniqueOrThrow({ where: { id: plus3.document.id } })
	const chair = await headActor(prisma, plus3, 'VNM', true)
	expect(await issueRevision({ document, actor: chair, label: 'Rev.1', note: '' })).toMatchObject({ ok: true })
	const opened = (await openCall({ document, actor: chair, revisionNumber: 1, kind: 'APPROVAL', deadline: null, timeZone: null, confirmOpen: true })) as { callId: string }
	const call = await prisma.approvalCall.findUniqueOrThrow({ where: { id: opened.callId }, include: { revision: true } })
	// Every member state's answer is on record, but the process died before it adopted.
	const members = await prisma.delegation.findMany({ where: { meetingId: plus3.meeting.id, kind: 'MEMBER' } })
	for (const d of members) {
		await prisma.approval.create({ data: { callId: call.id, delegationId: d.id, userId: plus3.people[d.code]!.id, kind: 'APPROVE', revisionHash: call.revision.hash } })
	}
	const last = (await prisma.approval.findMany({ where: { callId: call.id }, orderBy: { updatedAt: 'desc' } }))[0]!.updatedAt
	expect(await getAdoption({ documentId: document.id })).toBeNull()
	await resumeCalls(new Date(last.getTime() + 60_000))
	const after = await prisma.approvalCall.findUniqueOrThrow({ where: { id: call.id } })
	expect(after.status).toBe('ADOPTED')
	expect(after.closedAt?.toISOString()).toBe(last.toISOString())
	expect(await getAdoption({ documentId: document.id })).toMatchObject({ label: 'Rev.1' })
	// A second start finds nothing to do.
	await resumeCalls()
	expect(await prisma.negotiationEvent.count({ where: { documentId: document.id, kind: 'adopted' } })).toBe(1)
})

test('a crash after the adoption was stored but before the text was frozen: completed on start', async () => {
	const { prisma } = world.db
	const document = await prisma.document.findUniqueOrThrow({ where: { id: world.fixture.document.id } })
	const chair = await headActor(prisma, world.fixture, 'VNM', true)
	expect(await issueRevision({ document, actor: chair, label: 'Rev.1', note: '' })).toMatchObject({ ok: true })
	const opened = (await openCall({ document, actor: chair, revisionNumber: 1, kind: 'APPROVAL', deadline: null, timeZone: null, confirmOpen: true })) as { callId: string }
	const call = await prisma.approvalCall.findUniqueOrThrow({ where: { id: opened.callId } })
	// The adoption's transaction committed; the process died before it wrote the text and the record.
	const at = new Date()
	await prisma.$transaction([
		prisma.approvalCall.update({ where: { id: call.id }, data: { status: 'ADOPTED', closedAt: at } }),
		prisma.document.update({ where: { id: document.id }, data: { adoptedRevisionId: call.revisionId } }),
		prisma.revision.update({ where: { id: call.revisionId }, data: { adoptedAt: at } }),
	])
	const reader = connectClient(world.server.url, slug(), { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => reader.synced()).toBe(true)
	expect(reader.doc.getMap('meta').get('adopted')).toBeUndefined()
	await resumeCalls()
	await expect.poll(() => reader.doc.getMap('meta').get('adopted')).toMatchObject({ label: 'Rev.1' })
	expect(await prisma.negotiationEvent.count({ where: { documentId: document.id, kind: 'adopted' } })).toBe(1)
	await resumeCalls()
	expect(await prisma.negotiationEvent.count({ where: { documentId: document.id, kind: 'adopted' } })).toBe(1)
	reader.destroy()
})
