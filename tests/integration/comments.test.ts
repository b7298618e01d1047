import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { createAnchor, encodeAnchor } from '#app/domain/anchors.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { action } from '#app/routes/document.comments.ts'
import { loader as compilation } from '#app/routes/document.compilation.ts'
import { sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/**
 * Comment threads and positions through the real routes, with every kind of participant, bad
 * input, and a thread whose words are deleted (orphaned, quote kept).
 */
const world = useSyncFixture()

async function post(userId: string, fields: Record<string, string>): Promise<{ status: number | undefined; ok: boolean; error: string | null; threadId?: string }> {
	const body = new FormData()
	for (const [k, v] of Object.entries(fields)) body.set(k, v)
	const slug = world.fixture.document.slug
	const request = new Request(`http://localhost/documents/${slug}/comments`, { method: 'POST', headers: { cookie: await sessionCookie(userId) }, body })
	try {
		const response = (await action({ request, params: { slug }, context: {} } as never)) as { data: { ok: boolean; error: string | null; threadId?: string }; init: ResponseInit | null }
		return { status: response.init?.status ?? 200, ...response.data }
	} catch (thrown) {
		if (thrown && typeof thrown === 'object' && 'init' in thrown) return { status: (thrown as { init: ResponseInit }).init.status, ok: false, error: 'thrown' }
		throw thrown
	}
}

const people = () => world.fixture.people

async function liveDoc() {
	const client = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(people().VNM!.id) })
	await expect.poll(() => client.synced()).toBe(true)
	return client
}

function threadFields(doc: Y.Doc, words: string, body: string) {
	const pp = readBlocks(doc)[0]!
	const start = pp.text.indexOf(words)
	const anchor = encodeAnchor(createAnchor(doc, pp.id, start, start + words.length)!)
	return { intent: 'thread', paragraphId: pp.id, quote: words, anchorStart: anchor.start, anchorEnd: anchor.end, body }
}

test('a thread: opened by a member, answered by an observer, resolved by its delegation; others may not resolve', async () => {
	const client = await liveDoc()
	const words = 'giai đoạn 2021-2025'
	const opened = await post(people().THA!.id, threadFields(client.doc, words, 'Đề nghị làm rõ @VNM'))
	expect(opened).toMatchObject({ ok: true })
	const threadId = opened.threadId!
	expect(await post(people().AUS!.id, { intent: 'reply', threadId, body: 'Australia notes this.' })).toMatchObject({ ok: true })
	expect(await post(people().BRN!.id, { intent: 'status', threadId, status: 'RESOLVED' })).toMatchObject({ status: 403 })
	expect(await post(people().THA!.id, { intent: 'status', threadId, status: 'RESOLVED' })).toMatchObject({ ok: true })
	expect(await post(people().ASEC!.id, { intent: 'status', threadId, status: 'OPEN' })).toMatchObject({ ok: true })
	const thread = await world.db.prisma.commentThread.findUniqueOrThrow({ where: { id: threadId }, include: { comments: { include: { mentions: { include: { delegation: true } } } } } })
	expect(thread).toMatchObject({ status: 'OPEN', quote: words })
	expect(thread.comments.map((c) => c.body)).toEqual(['Đề nghị làm rõ @VNM', 'Australia notes this.'])
	expect(thread.comments[0]!.mentions.map((m) => m.delegation.code)).toEqual(['VNM'])
	client.destroy()
})

test('bad input: empty, 100 KB, markup kept as text, a stale selection, someone outside the meeting', async () => {
	const client = await liveDoc()
	expect(await post(people().THA!.id, threadFields(client.doc, 'ACCSM', '   '))).toMatchObject({ status: 400, error: 'Write the comment first.' })
	expect(await post(people().THA!.id, threadFields(client.doc, 'ACCSM', 'x'.repeat(100_000)))).toMatchObject({ status: 400 })
	const markup = await post(people().THA!.id, threadFields(client.doc, 'ACCSM', '<script>alert(1)</script><b>bold?</b>'))
	expect(markup).toMatchObject({ ok: true })
	expect((await world.db.prisma.comment.findFirstOrThrow({ where: { thread: { id: markup.threadId } } })).body).toBe('<script>alert(1)</script><b>bold?</b>')
	const stale = threadFields(client.doc, 'ACCSM', 'Stale')
	expect(await post(people().THA!.id, { ...stale, quote: 'other words' })).toMatchObject({ status: 409 })
	expect(await post(people().THA!.id, { ...stale, anchorStart: '!!!' })).toMatchObject({ status: 400 })
	expect(await post(world.fixture.outsider.id, stale)).toMatchObject({ status: 403 })
	expect(await post(people().THA!.id, { intent: 'reply', threadId: 'nope', body: 'x' })).toMatchObject({ status: 404 })
	// Invisible text is no comment; control characters (NUL) are removed, not a server error.
	expect(await post(people().THA!.id, { intent: 'reply', threadId: markup.threadId!, body: '\u200B\u200B ' })).toMatchObject({ status: 400 })
	expect(await post(people().THA!.id, { intent: 'reply', threadId: markup.threadId!, body: 'Việt\u0000Nam' })).toMatchObject({ ok: true })
	expect(await world.db.prisma.comment.count({ where: { threadId: markup.threadId!, body: 'ViệtNam' } })).toBe(1)
	client.destroy()
})

test('deleting the commented words orphans the thread; it keeps its quote', async () => {
	const client = await liveDoc()
	const words = 'vẫn đang đi đúng tiến độ'
	const opened = await post(people().BRN!.id, threadFields(client.doc, words, 'Brunei asks for figures.'))
	expect(opened).toMatchObject({ ok: true })
	const text = (client.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
	const at = text.toString().indexOf(words)
	text.delete(at, words.length)
	await expect.poll(async () => (await world.server.sync.rooms.rooms.get(world.fixture.document.id)?.flushed(), 'flushed')).toBe('flushed')
	const { getThreads } = await import('#app/models/comments.server.ts')
	const { decodeAnchor, resolveAnchor } = await import('#app/domain/anchors.ts')
	const { threads } = await getThreads({ documentId: world.fixture.document.id, userId: people().BRN!.id })
	const thread = threads.find((t) => t.id === opened.threadId)!
	expect(resolveAnchor(client.doc, decodeAnchor(thread.anchor)!)).toBeNull()
	expect(thread.quote).toBe(words)
	client.destroy()
})

test('positions: member states record their own on operative paragraphs; partners, observers, advisers cannot', async () => {
	const client = await liveDoc()
	const [pp, op] = readBlocks(client.doc)
	expect(await post(people().THA!.id, { intent: 'position', paragraphId: op!.id, kind: 'SUPPORT' })).toMatchObject({ ok: true })
	expect(await post(people().THA!.id, { intent: 'position', paragraphId: op!.id, kind: 'RESERVATION', note: '' })).toMatchObject({ status: 400 })
	expect(await post(people().THA!.id, { intent: 'position', paragraphId: op!.id, kind: 'RESERVATION', note: 'Subject to national law.' })).toMatchObject({ ok: true })
	expect(await post(people().BRN!.id, { intent: 'position', paragraphId: op!.id, kind: 'OBJECT', note: 'Not ready.' })).toMatchObject({ ok: true })
	expect(await post(people().THA!.id, { intent: 'position', paragraphId: pp!.id, kind: 'SUPPORT' })).toMatchObject({ status: 409 })
	expect(await post(people().JPN!.id, { intent: 'position', paragraphId: op!.id, kind: 'SUPPORT' })).toMatchObject({ status: 403 })
	expect(await post(people().AUS!.id, { intent: 'position', paragraphId: op!.id, kind: 'SUPPORT' })).toMatchObject({ status: 403 })
	expect(await post(people().ASEC!.id, { intent: 'position', paragraphId: op!.id, kind: 'SUPPORT' })).toMatchObject({ status: 403 })
	expect(await post(people().THA!.id, { intent: 'position', paragraphId: op!.id, kind: 'MAYBE' })).toMatchObject({
		status: 400,
		error: 'Choose a position: Support, Can live with, Reservation, Awaiting instructions (ad ref.), Object, or none.',
	})
	// The same answer again is no change; withdrawing makes the delegation silent, on record.
	expect(await post(people().THA!.id, { intent: 'position', paragraphId: op!.id, kind: 'RESERVATION', note: 'Subject to national law.' })).toMatchObject({ ok: true })
	expect(await post(people().VNM!.id, { intent: 'position', paragraphId: op!.id, kind: 'SILENT' })).toMatchObject({ status: 409 })
	expect(await post(people().VNM!.id, { intent: 'position', paragraphId: op!.id, kind: 'SUPPORT' })).toMatchObject({ ok: true })
	expect(await post(people().VNM!.id, { intent: 'position', paragraphId: op!.id, kind: 'SILENT' })).toMatchObject({ ok: true })
	const tha = await world.db.prisma.position.findFirstOrThrow({ where: { paragraphId: op!.id, delegation: { code: 'THA' } }, include: { changes: { orderBy: { createdAt: 'asc' } } } })
	expect(tha).toMatchObject({ kind: 'RESERVATION', note: 'Subject to national law.' })
	expect(tha.changes.map((c) => c.kind)).toEqual(['SUPPORT', 'RESERVATION'])
	const vnm = await world.db.prisma.position.findFirstOrThrow({ where: { paragraphId: op!.id, delegation: { code: 'VNM' } }, include: { changes: { orderBy: { createdAt: 'asc' } } } })
	expect(vnm.kind).toBeNull()
	expect(vnm.changes.map((c) => c.kind)).toEqual(['SUPPORT', null])

	// The compilation, for the Secretariat: every comment and position by paragraph, as CSV,
	// formulas defused. An observer reads the text, not the positions (ADR 014).
	const slug = world.fixture.document.slug
	const download = async (userId: string) => {
		try {
			return (await compilation({ request: new Request(`http://localhost/documents/${slug}/compilation.csv`, { headers: { cookie: await sessionCookie(userId) } }), params: { slug }, context: {} } as never)) as Response
		} catch (thrown) {
			if (thrown instanceof Response) return thrown
			throw thrown
		}
	}
	expect((await download(people().AUS!.id)).status).toBe(403)
	const response = await download(people().ASEC!.id)
	expect(response.headers.get('Content-Type')).toContain('text/csv')
	const csv = await response.text()
	expect(csv).toContain('OP 1,,BRN,Position,Object')
	expect(csv).toContain('Subject to national law.')
	expect(csv).toContain('<script>alert(1)</script>')
	client.destroy()
})
