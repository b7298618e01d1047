import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { getDocumentAccessContext, getDocumentForSync, getMeetingParticipants } from '#app/models/document.server.ts'
import { createMeeting, sessionCookie, syncTokenFor } from '#tests/factories/meeting.ts'
import { connectClient, rawConnect } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

const world = useSyncFixture((prisma) => createMeeting(prisma, { slug: 'other-meeting' }))

const url = (slug: string, query = '') => `${world.server.url}/${slug}${query}`

test('no cookie → 4401', async () => {
	const { closed } = rawConnect(url(world.fixture.document.slug))
	expect((await closed).code).toBe(CLOSE_CODES.unauthenticated)
})

test('a forged or tampered cookie → 4401', async () => {
	const cookie = await sessionCookie(world.fixture.people.VNM!.id)
	const { closed } = rawConnect(url(world.fixture.document.slug), { cookie: cookie.slice(0, -3) + 'abc' })
	expect((await closed).code).toBe(CLOSE_CODES.unauthenticated)
})

test('a bad token, an expired token, a token for another document → 4401', async () => {
	const vnm = world.fixture.people.VNM!.id
	const bad = rawConnect(url(world.fixture.document.slug, '?token=not.a-token'))
	expect((await bad.closed).code).toBe(CLOSE_CODES.unauthenticated)
	const expired = await syncTokenFor({ documentId: world.fixture.document.id, userId: vnm }, Date.now() - 60 * 60_000)
	const old = rawConnect(url(world.fixture.document.slug, `?token=${expired.token}`))
	expect((await old.closed).code).toBe(CLOSE_CODES.unauthenticated)
	const elsewhere = await syncTokenFor({ documentId: world.extra.document.id, userId: vnm })
	const wrong = rawConnect(url(world.fixture.document.slug, `?token=${elsewhere.token}`))
	expect((await wrong.closed).code).toBe(CLOSE_CODES.unauthenticated)
})

test('an unknown document → 4404', async () => {
	const cookie = await sessionCookie(world.fixture.people.VNM!.id)
	const { closed } = rawConnect(url('no-such-document'), { cookie })
	expect((await closed).code).toBe(CLOSE_CODES.notFound)
	const weird = rawConnect(url('%3Cscript%3E'), { cookie })
	expect((await weird.closed).code).toBe(CLOSE_CODES.notFound)
})

test('someone outside the meeting → 4403', async () => {
	const { closed } = rawConnect(url(world.fixture.document.slug), { cookie: await sessionCookie(world.fixture.outsider.id) })
	expect((await closed).code).toBe(CLOSE_CODES.forbidden)
	const member = rawConnect(url(world.extra.document.slug), { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	expect((await member.closed).code).toBe(CLOSE_CODES.forbidden)
})

test('the documents of one meeting share its people; another meeting’s people stay out', async () => {
	// A second text of the fixture's meeting: admitted from the meeting's people read for the first.
	const { prisma } = world.db
	const plan = await prisma.document.create({
		data: { meetingId: world.fixture.meeting.id, slug: 'accsm-test-plan', title: 'Plan of Action', kind: 'ACTION_PLAN', updates: { create: { data: new Uint8Array(Y.encodeStateAsUpdate(new Y.Doc())) } } },
	})
	const here = world.fixture.people
	const there = world.extra.people
	const admitted = async (slug: string, userId: string) => {
		const { closed, ws } = rawConnect(url(slug), { cookie: await sessionCookie(userId) })
		// A refused socket is closed with its code before any message; an admitted one is sent the sync handshake.
		const outcome = await Promise.race([closed.then((c) => c.code), new Promise<'open'>((resolve) => ws.once('message', () => resolve('open')))])
		ws.close()
		return outcome
	}
	// Both meetings' caches warm, in turn, the same second.
	expect(await admitted(world.fixture.document.slug, here.VNM!.id)).toBe('open')
	expect(await admitted(world.extra.document.slug, there.VNM!.id)).toBe('open')
	expect(await admitted(plan.slug, here.THA!.id)).toBe('open')
	expect(await admitted(plan.slug, there.THA!.id)).toBe(CLOSE_CODES.forbidden)
	expect(await admitted(world.extra.document.slug, here.VNM!.id)).toBe(CLOSE_CODES.forbidden)
	expect(await admitted(plan.slug, world.fixture.outsider.id)).toBe(CLOSE_CODES.forbidden)
})

test('someone in two delegations of a meeting connects as the earlier membership says, as the pages decide', async () => {
	const { prisma } = world.db
	const dual = await createMeeting(prisma, { slug: 'dual-meeting' })
	const person = dual.people.AUS! // an observer's head…
	const vnm = await prisma.delegation.findFirstOrThrow({ where: { meetingId: dual.meeting.id, code: 'VNM' } })
	// …later added to a member state's delegation too (the rule is one per person; data can break it).
	await prisma.delegationMember.create({ data: { delegationId: vnm.id, userId: person.id, role: 'DELEGATE', createdAt: new Date(Date.now() + 60_000) } })
	const web = await getDocumentAccessContext({ slug: dual.document.slug }, { userId: person.id })
	expect(web).toMatchObject({ participation: { delegationCode: 'AUS' }, access: 'read' })

	// The sync server's reads (plain SQL) give what the pages' reads (Prisma) give.
	const found = await getDocumentForSync({ slug: dual.document.slug })
	expect(found).toEqual({ document: web!.document, meeting: web!.meeting })
	expect(await getDocumentForSync({ slug: 'no-such-document' })).toBeNull()
	const participants = await getMeetingParticipants({ meetingId: dual.meeting.id })
	expect(participants.size).toBe(6)
	const { mayAnswer: _, ...participation } = web!.participation!
	expect(participants.get(person.id)).toEqual({ name: 'Emma Whitfield', participation })
	expect(participants.get(dual.people.VNM!.id)).toEqual({
		name: 'Nguyễn Thị Hồng Nhung',
		participation: { delegationId: vnm.id, delegationCode: 'VNM', delegationName: 'Viet Nam', delegationKind: 'MEMBER', stateCode: 'VNM', role: 'HEAD' },
	})
	expect(participants.get(dual.people.ASEC!.id)?.participation).toMatchObject({ delegationKind: 'SECRETARIAT', stateCode: null })

	// Over the socket: read-only, as the observer's membership says.
	const { token } = await syncTokenFor({ documentId: dual.document.id, userId: person.id })
	const client = connectClient(world.server.url, dual.document.slug, { token })
	await expect.poll(() => client.synced()).toBe(true)
	const t = (client.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
	t.insert(0, 'as Viet Nam ')
	await expect.poll(() => client.denied.length).toBeGreaterThan(0)
	client.destroy()
})

test('a browser page of another origin cannot ride on the cookie (HTTP 403)', async () => {
	const cookie = await sessionCookie(world.fixture.people.VNM!.id)
	const evil = rawConnect(url(world.fixture.document.slug), { cookie, origin: 'http://evil.example' })
	expect(await evil.opened).toBe(false)
	const same = rawConnect(url(world.fixture.document.slug), { cookie, origin: `http://127.0.0.1:${world.server.port}` })
	expect(await same.opened).toBe(true)
	same.ws.close()
})

test('a token names the user; access is decided again: outsider → 4403, observer reads only', async () => {
	const outsider = await syncTokenFor({ documentId: world.fixture.document.id, userId: world.fixture.outsider.id })
	const refused = rawConnect(url(world.fixture.document.slug, `?token=${outsider.token}`))
	expect((await refused.closed).code).toBe(CLOSE_CODES.forbidden)
	const observerToken = await syncTokenFor({ documentId: world.fixture.document.id, userId: world.fixture.people.AUS!.id })
	const observer = connectClient(world.server.url, world.fixture.document.slug, { token: observerToken.token })
	await expect.poll(() => observer.synced()).toBe(true)
	const t = (observer.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
	t.insert(0, 'token write ')
	await expect.poll(() => observer.denied.length).toBeGreaterThan(0)
	observer.destroy()
	expect((await storedText())[0]!.text).not.toContain('token write')
})

test('malformed presence from a read-only client reaches nobody', async () => {
	const slug = world.fixture.document.slug
	const editor = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	const observer = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.AUS!.id) })
	await expect.poll(() => editor.synced() && observer.synced()).toBe(true)
	observer.provider.awareness.setLocalState({ cursor: {}, html: '<img src=x onerror=alert(1)>' })
	await expect.poll(() => editor.provider.awareness.getStates().get(observer.doc.clientID)).toBeDefined()
	const seen = editor.provider.awareness.getStates().get(observer.doc.clientID) as Record<string, unknown>
	expect(seen).toEqual({ cursor: null, user: { name: 'Emma Whitfield', delegation: 'AUS', color: expect.any(String), readOnly: true } })
	editor.destroy()
	observer.destroy()
})

test('a caret is passed on as sent, under the identity of the login, however often it moves', async () => {
	const slug = world.fixture.document.slug
	const vnm = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.VNM!.id) })
	const tha = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => vnm.synced() && tha.synced()).toBe(true)
	const caret = (clock: number) => {
		const position = { type: null, tname: null, item: { client: vnm.doc.clientID, clock }, assoc: -1 }
		return { anchor: position, head: position }
	}
	const seenByTha = () => tha.provider.awareness.getStates().get(vnm.doc.clientID) as Record<string, unknown> | undefined
	const identity = { name: 'Nguyễn Thị Hồng Nhung', delegation: 'VNM', color: expect.any(String), readOnly: false }
	// A forged name, delegation and extra field: the server's stamp replaces them.
	vnm.provider.awareness.setLocalState({ cursor: caret(3), user: { name: 'The "Chair"', delegation: 'AUS', readOnly: true }, html: '<b>x</b>' })
	await expect.poll(() => (seenByTha()?.cursor as { anchor?: { item?: { clock: number } } } | null)?.anchor?.item?.clock).toBe(3)
	expect(seenByTha()).toEqual({ cursor: caret(3), user: identity })
	// The next moves reuse the connection's encoded identity: still the same, still well formed.
	for (const clock of [4, 5]) {
		vnm.provider.awareness.setLocalStateField('cursor', caret(clock))
		await expect.poll(() => (seenByTha()?.cursor as { anchor?: { item?: { clock: number } } } | null)?.anchor?.item?.clock).toBe(clock)
		expect(seenByTha()).toEqual({ cursor: caret(clock), user: identity })
	}
	vnm.destroy()
	tha.destroy()
})

test('logging out closes that session’s open sockets (4401)', async () => {
	const cookie = await sessionCookie(world.fixture.people.BRN!.id)
	const other = await sessionCookie(world.fixture.people.BRN!.id) // the same person on another laptop
	const mine = connectClient(world.server.url, world.fixture.document.slug, { cookie })
	const theirs = connectClient(world.server.url, world.fixture.document.slug, { cookie: other })
	await expect.poll(() => mine.synced() && theirs.synced()).toBe(true)
	const { logout } = await import('#app/utils/auth.server.ts')
	await logout(new Request('http://localhost/logout', { method: 'POST', headers: { cookie } }))
	await expect.poll(() => mine.closes.map((c) => c.code)).toContain(CLOSE_CODES.unauthenticated)
	expect(theirs.closes).toEqual([])
	mine.destroy()
	theirs.destroy()
})

test('a valid token connects a non-browser client', async () => {
	const { token } = await syncTokenFor({ documentId: world.fixture.document.id, userId: world.fixture.people.BRN!.id })
	const client = connectClient(world.server.url, world.fixture.document.slug, { token })
	await expect.poll(() => client.synced()).toBe(true)
	expect(readBlocks(client.doc)).toHaveLength(2)
	client.destroy()
})

test('an observer follows live, but its crafted update is refused and the document is unchanged', async () => {
	const slug = world.fixture.document.slug
	const editor = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.VNM!.id) })
	const observer = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.AUS!.id) })
	await expect.poll(() => editor.synced() && observer.synced()).toBe(true)
	const t = (editor.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	t.insert(0, 'Live: ')
	await expect.poll(() => readBlocks(observer.doc)[1]?.text.startsWith('Live: ')).toBe(true)
	expect(observer.denied).toEqual([])

	// The editor's change is on disk first (within the group-commit window), then compared.
	await world.server.sync.rooms.rooms.get(world.fixture.document.id)?.flushed()
	const before = await storedText()
	expect(before[1]!.text).toMatch(/^Live: /)
	const o = (observer.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	o.delete(0, o.length)
	o.insert(0, 'Rewritten by an observer')
	await expect.poll(() => observer.denied.length).toBeGreaterThan(0)
	await world.server.sync.rooms.rooms.get(world.fixture.document.id)?.flushed()
	expect(readBlocks(editor.doc)[1]!.text).toMatch(/^Live: /)
	expect(await storedText()).toEqual(before)
	editor.destroy()
	observer.destroy()
})

async function storedText() {
	const doc = new Y.Doc()
	for (const row of await world.db.prisma.documentUpdate.findMany({ where: { documentId: world.fixture.document.id }, orderBy: { seq: 'asc' } })) {
		Y.applyUpdate(doc, row.data)
	}
	return readBlocks(doc)
}
