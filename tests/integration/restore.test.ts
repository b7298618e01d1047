import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { editorsBetween, editsByParagraph } from '#app/models/revision-history.server.ts'
import { issueRevision, restoreRevision, snapshotLive } from '#app/models/revisions.server.ts'
import { connectClient } from '#tests/setup/sync-server.ts'
import { headActor, sessionCookie } from '#tests/factories/meeting.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/** Restoring an old revision is a new step in the history; the log says who edited in between. */
const world = useSyncFixture()

const actor = (code: string, moderator = false) => headActor(world.db.prisma, world.fixture, code, moderator)

test('restore Rev.1 after edits: the live text is Rev.1 again, by a new step; only moderators', async () => {
	const document = await world.db.prisma.document.findUniqueOrThrow({ where: { id: world.fixture.document.id } })
	const chair = await actor('VNM', true)
	expect(await issueRevision({ document, actor: chair, label: 'Rev.1', note: '' })).toMatchObject({ ok: true })
	const rev1 = await world.db.prisma.revision.findFirstOrThrow({ where: { documentId: document.id, number: 1 } })
	const tha = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => tha.synced()).toBe(true)
	const text = (tha.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	text.insert(0, 'Thái Lan đề nghị: ')
	await expect.poll(async () => (await snapshotLive(document, chair)).hash).not.toBe(rev1.hash)
	await world.server.sync.rooms.rooms.get(document.id)?.flushed()
	expect(await editorsBetween({ documentId: document.id, from: rev1.createdAt, to: null })).toEqual([{ code: 'THA', changes: 1 }])
	// Traced to the paragraph Thailand changed, and only to it.
	const opId = String((tha.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).getAttribute('id'))
	expect([...(await editsByParagraph({ documentId: document.id, fromState: rev1.state, from: rev1.createdAt, to: null }))]).toEqual([[opId, ['THA']]])
	const rowsBefore = await world.db.prisma.documentUpdate.count({ where: { documentId: document.id } })
	expect(await restoreRevision({ document, actor: await actor('THA', false), revisionNumber: 1 })).toMatchObject({ status: 403 })
	expect(await restoreRevision({ document, actor: chair, revisionNumber: 9 })).toMatchObject({ status: 404 })
	expect(await restoreRevision({ document, actor: chair, revisionNumber: 1 })).toMatchObject({ ok: true })
	expect((await snapshotLive(document, chair)).hash).toBe(rev1.hash)
	await expect.poll(() => (tha.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).toString()).not.toContain('Thái Lan đề nghị')
	// A new step in the log, attributed to the Chair; nothing rewritten.
	const rows = await world.db.prisma.documentUpdate.findMany({ where: { documentId: document.id }, orderBy: { seq: 'asc' } })
	expect(rows.length).toBeGreaterThan(rowsBefore)
	expect(rows.at(-1)!.userId).toBe(chair.userId)
	tha.destroy()
})
