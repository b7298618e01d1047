import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { encodeBlocks, readBlocks } from '#app/domain/statement.ts'
import { sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

const world = useSyncFixture()

function typeInto(doc: Y.Doc, text: string) {
	const first = doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement
	const t = first.get(0) as Y.XmlText
	t.insert(t.length, text)
}

test('two delegations converge, and a third joining late gets the whole text', async () => {
	const slug = world.fixture.document.slug
	const vnm = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.VNM!.id) })
	const tha = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => vnm.synced() && tha.synced()).toBe(true)
	expect(readBlocks(vnm.doc)).toHaveLength(2)
	typeInto(vnm.doc, ' Việt Nam supports.')
	typeInto(tha.doc, ' Thailand agrees.')
	await expect.poll(() => vnm.doc.getXmlFragment(DOCUMENT_FRAGMENT).toString() === tha.doc.getXmlFragment(DOCUMENT_FRAGMENT).toString()).toBe(true)
	const text = readBlocks(vnm.doc)[0]!.text
	expect(text).toContain('Việt Nam supports.')
	expect(text).toContain('Thailand agrees.')

	const brn = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.BRN!.id) })
	await expect.poll(() => brn.synced() && readBlocks(brn.doc)[0]?.text === text).toBe(true)

	// Presence carries the authenticated identity with the delegation's code.
	vnm.provider.awareness.setLocalStateField('user', { name: 'forged', delegation: 'XXX' })
	await expect
		.poll(() => (brn.provider.awareness.getStates().get(vnm.doc.clientID) as { user?: { name: string; delegation: string } } | undefined)?.user)
		.toMatchObject({ name: 'Nguyễn Thị Hồng Nhung', delegation: 'VNM' })
	for (const c of [vnm, tha, brn]) c.destroy()
})

test('edits are in the update log with their author and delegation', async () => {
	// The previous test's edits are on disk within the group-commit window.
	await world.server.sync.rooms.rooms.get(world.fixture.document.id)?.flushed()
	const rows = await world.db.prisma.documentUpdate.findMany({ where: { documentId: world.fixture.document.id }, orderBy: { seq: 'asc' } })
	expect(rows[0]!.userId).toBeNull() // the seeded first draft
	const vnmDelegation = await world.db.prisma.delegation.findFirstOrThrow({ where: { code: 'VNM', meetingId: world.fixture.meeting.id } })
	await expect.poll(async () => (await world.db.prisma.documentUpdate.count({ where: { documentId: world.fixture.document.id, userId: world.fixture.people.VNM!.id, delegationId: vnmDelegation.id } })) > 0).toBe(true)
	const replay = new Y.Doc()
	for (const row of await world.db.prisma.documentUpdate.findMany({ where: { documentId: world.fixture.document.id } })) Y.applyUpdate(replay, row.data)
	expect(readBlocks(replay)[0]!.text).toContain('Thailand agrees.')
})

test('a partner reads an ACCSM text and the Secretariat edits it', async () => {
	const slug = world.fixture.document.slug
	const jpn = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.JPN!.id) })
	const asec = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.ASEC!.id) })
	await expect.poll(() => jpn.synced() && asec.synced()).toBe(true)
	typeInto(asec.doc, ' [ASEC]')
	await expect.poll(() => readBlocks(jpn.doc)[0]?.text.endsWith('[ASEC]')).toBe(true)
	typeInto(jpn.doc, ' [JPN]')
	await expect.poll(() => jpn.denied.length).toBeGreaterThan(0)
	expect(readBlocks(asec.doc)[0]!.text).not.toContain('[JPN]')
	jpn.destroy()
	asec.destroy()
})

test('a page with words typed offline opens a document nobody has open: its words reach the others and the log', async () => {
	// A document not loaded yet: the server keeps it as its stored bytes and asks the page for
	// what it lacks (its sync step 1) only once its answer has left over the real socket.
	const stored = encodeBlocks([{ type: 'paragraph', kind: 'operative', text: 'Các nước thành viên nhất trí' }])
	const document = await world.db.prisma.document.create({
		data: { meetingId: world.fixture.meeting.id, slug: 'accsm-test-offline', title: 'Offline draft', kind: 'OUTCOME_STATEMENT', updates: { create: { data: stored as Uint8Array<ArrayBuffer> } } },
	})
	expect(world.server.sync.rooms.rooms.has(document.id)).toBe(false)
	const offline = new Y.Doc()
	Y.applyUpdate(offline, stored)
	typeInto(offline, ' tăng cường hợp tác')
	const vnm = connectClient(world.server.url, document.slug, { cookie: await sessionCookie(world.fixture.people.VNM!.id) }, { doc: offline })
	const tha = connectClient(world.server.url, document.slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => readBlocks(tha.doc)[0]?.text).toBe('Các nước thành viên nhất trí tăng cường hợp tác')
	await world.server.sync.rooms.rooms.get(document.id)!.flushed()
	const log = await world.db.prisma.documentUpdate.findMany({ where: { documentId: document.id } })
	const fromLog = new Y.Doc()
	for (const row of log) Y.applyUpdate(fromLog, row.data)
	expect(readBlocks(fromLog)[0]?.text).toBe('Các nước thành viên nhất trí tăng cường hợp tác')
	vnm.destroy()
	tha.destroy()
})

