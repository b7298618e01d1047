import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks, type StatementBlock } from '#app/domain/statement.ts'
import { action } from '#app/routes/document.negotiation.ts'
import { sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/**
 * Negotiation through the real route (`POST /documents/<slug>/negotiation`) with every role,
 * and forbidden changes sent by a plain Yjs client over the socket: refused, undone, and the
 * stored text unchanged.
 */
const world = useSyncFixture(async (prisma) => {
	// An adviser of Thailand: their changes must be suggestions.
	const tha = await prisma.delegation.findFirstOrThrow({ where: { code: 'THA' } })
	const user = await prisma.user.create({ data: { email: 'tha.adviser.test@example.org', name: 'Nattaya Chaiyaporn', passwordHash: 'x' } })
	await prisma.delegationMember.create({ data: { delegationId: tha.id, userId: user.id, role: 'ADVISER' } })
	return { adviserId: user.id }
})

/** Posts as the head of a delegation of the test meeting (by code), or as a user (by id). */
async function post(code: string, fields: Record<string, string | number>, userId = world.fixture.people[code]?.id) {
	const body = new FormData()
	for (const [k, v] of Object.entries(fields)) body.set(k, String(v))
	const slug = world.fixture.document.slug
	const request = new Request(`http://localhost/documents/${slug}/negotiation`, {
		method: 'POST',
		headers: { cookie: await sessionCookie(userId!) },
		body,
	})
	const response = (await action({ request, params: { slug }, context: {} } as never)) as { data: { ok: boolean; error: string | null; bracketId?: string }; init: ResponseInit | null }
	return { status: response.init?.status ?? 200, ...response.data }
}

function paragraphs(doc: Y.Doc) {
	return readBlocks(doc).filter((b): b is Extract<StatementBlock, { type: 'paragraph' }> => b.type === 'paragraph')
}

/** The document as the log on disk has it. */
async function stored() {
	await world.server.sync.rooms.rooms.get(world.fixture.document.id)?.flushed()
	const doc = new Y.Doc()
	const rows = await world.db.prisma.documentUpdate.findMany({ where: { documentId: world.fixture.document.id }, orderBy: { seq: 'asc' } })
	for (const row of rows) Y.applyUpdate(doc, row.data)
	return paragraphs(doc)
}

test('statuses: the Chair and the Secretariat set them, delegates and partners cannot; bad input is refused', async () => {
	const client = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => client.synced()).toBe(true)
	const op1 = paragraphs(client.doc)[1]!.id
	expect(await post('THA', { intent: 'set-status', paragraphId: op1, status: 'agreed' })).toMatchObject({ status: 403, ok: false })
	expect(await post('JPN', { intent: 'set-status', paragraphId: op1, status: 'agreed' })).toMatchObject({ status: 403 })
	expect(await post('AUS', { intent: 'set-status', paragraphId: op1, status: 'agreed' })).toMatchObject({ status: 403 })
	expect(await post('VNM', { intent: 'set-status', paragraphId: op1, status: 'maybe' })).toMatchObject({ status: 400, error: 'A paragraph is open, agreed ad ref., or agreed.' })
	expect(await post('VNM', { intent: 'set-status', paragraphId: 'p-nowhere', status: 'agreed' })).toMatchObject({ status: 404 })
	expect(await post('VNM', { intent: 'set-status', paragraphId: op1, status: 'ad_ref' })).toMatchObject({ ok: true })
	expect(await post('ASEC', { intent: 'set-status', paragraphId: op1, status: 'agreed' })).toMatchObject({ ok: true })
	expect(await post('VNM', { intent: 'set-status', paragraphId: op1, status: 'ad_ref' })).toMatchObject({ status: 409 })
	// Live for everyone with the document open, and recorded.
	await expect.poll(() => paragraphs(client.doc)[1]!.status).toBe('agreed')
	expect((await stored())[1]!.status).toBe('agreed')
	const events = await world.db.prisma.negotiationEvent.findMany({ where: { documentId: world.fixture.document.id, kind: 'paragraph.status' }, orderBy: { createdAt: 'asc' } })
	expect(events.map((e) => e.summary)).toEqual(['VNM marked agreed ad ref. OP 1 (was open)', 'ASEC marked agreed OP 1 (was agreed ad ref.)'])
	client.destroy()
})

test('a plain Yjs client cannot edit, split, delete or re-status an agreed paragraph, nor forge a bracket', async () => {
	const tha = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => tha.synced() && paragraphs(tha.doc)[1]?.status === 'agreed').toBe(true)
	const before = await stored()
	const fragment = tha.doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const agreed = () => fragment.get(1) as Y.XmlElement
	const attempts: [string, () => void][] = [
		['edit', () => (agreed().get(0) as Y.XmlText).insert(0, 'NOT ')],
		['delete', () => fragment.delete(1, 1)],
		['reopen', () => agreed().setAttribute('status', 'open')],
		['kind', () => agreed().setAttribute('kind', 'preambular')],
		['forged bracket', () => ((fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText).format(0, 5, { bracket: { id: 'forged', owner: 'THA' } })],
	]
	for (const [name, attempt] of attempts) {
		const denied = tha.denied.length
		attempt()
		await expect.poll(() => tha.denied.length, { message: name }).toBe(denied + 1)
		// The server undid it for everyone, the sender included.
		await expect.poll(() => JSON.stringify(paragraphs(tha.doc)), { message: name }).toBe(JSON.stringify(before))
	}
	expect(tha.denied.at(-1)).toMatch(/bracket/i)
	expect(await stored()).toEqual(before)
	// Other paragraphs still take edits.
	;((fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'Nhắc lại: ')
	await expect.poll(async () => (await stored())[0]!.text.startsWith('Nhắc lại: ')).toBe(true)
	tha.destroy()
})

test('brackets: made by a delegation, alternatives and support, resolved by the Chair', async () => {
	const vnm = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(world.fixture.people.VNM!.id) })
	await expect.poll(() => vnm.synced()).toBe(true)
	const pp = paragraphs(vnm.doc)[0]!
	const words = 'giai đoạn 2021-2025'
	const start = pp.text.indexOf(words)
	expect(start).toBeGreaterThan(0)
	expect(pp.text.slice(start, start + words.length)).toBe(words)
	// Wrong words (the text moved), an observer, an agreed paragraph: refused.
	expect(await post('THA', { intent: 'bracket', paragraphId: pp.id, start, end: start + words.length, text: 'something else' })).toMatchObject({ status: 409 })
	expect(await post('AUS', { intent: 'bracket', paragraphId: pp.id, start, end: start + words.length, text: words })).toMatchObject({ status: 403 })
	const op1 = paragraphs(vnm.doc)[1]!
	expect(await post('THA', { intent: 'bracket', paragraphId: op1.id, start: 0, end: 5, text: op1.text.slice(0, 5) })).toMatchObject({ status: 409 })
	const made = await post('THA', { intent: 'bracket', paragraphId: pp.id, start, end: start + words.length, text: words })
	expect(made).toMatchObject({ ok: true })
	const bracketId = made.bracketId!
	await expect.poll(() => paragraphs(vnm.doc)[0]!.brackets).toEqual([{ id: bracketId, owner: 'THA', start, end: start + words.length, text: words }])
	expect(await post('BRN', { intent: 'bracket', paragraphId: pp.id, start, end: start + 2, text: 'an' })).toMatchObject({ status: 409 }) // overlaps

	// An alternative with markup in it is kept as text; support from others, not from the proposer.
	const alt = await post('THA', { intent: 'alternative', bracketId, text: '<script>alert(1)</script> phúc lợi xã hội' })
	expect(alt).toMatchObject({ ok: true })
	const alternative = await world.db.prisma.bracketAlternative.findFirstOrThrow({ where: { bracketId } })
	expect(alternative).toMatchObject({ number: 1, text: '<script>alert(1)</script> phúc lợi xã hội' })
	expect(await post('THA', { intent: 'alternative', bracketId, text: '   ' })).toMatchObject({ status: 400 })
	expect(await post('THA', { intent: 'alternative', bracketId, text: 'x'.repeat(100_000) })).toMatchObject({ status: 400 })
	expect(await post('BRN', { intent: 'support', bracketId, target: alternative.id })).toMatchObject({ ok: true })
	expect(await post('BRN', { intent: 'support', bracketId, target: alternative.id })).toMatchObject({ status: 409 })
	expect(await post('THA', { intent: 'support', bracketId, target: alternative.id })).toMatchObject({ status: 409 })
	expect(await post('JPN', { intent: 'support', bracketId, target: 'text' })).toMatchObject({ status: 403 })
	expect(await post('BRN', { intent: 'support', bracketId, target: 'nothing' })).toMatchObject({ status: 404 })

	// Only the Chair or the Secretariat resolves.
	expect(await post('THA', { intent: 'resolve', bracketId, choice: alternative.id })).toMatchObject({ status: 403 })
	expect(await post('VNM', { intent: 'resolve', bracketId, choice: alternative.id })).toMatchObject({ ok: true })
	expect(await post('VNM', { intent: 'resolve', bracketId, choice: 'keep' })).toMatchObject({ status: 409 })
	await expect.poll(() => paragraphs(vnm.doc)[0]!.text).toContain('<script>alert(1)</script> phúc lợi xã hội')
	expect(paragraphs(vnm.doc)[0]!.brackets).toEqual([])
	expect((await stored())[0]!.text).toContain('phúc lợi xã hội')
	const bracket = await world.db.prisma.bracket.findUniqueOrThrow({ where: { id: bracketId } })
	expect(bracket).toMatchObject({ status: 'RESOLVED', resolution: 'alternative', resolvedById: world.fixture.people.VNM!.id })
	const kinds = (await world.db.prisma.negotiationEvent.findMany({ where: { bracketId }, orderBy: { createdAt: 'asc' } })).map((e) => e.kind)
	expect(kinds).toEqual(['bracket.create', 'bracket.alternative', 'bracket.support', 'bracket.resolve'])
	vnm.destroy()
})

test("an adviser's plain edits are refused over the socket; suggestions stand until the Chair decides", async () => {
	const adviser = connectClient(world.server.url, world.fixture.document.slug, { cookie: await sessionCookie(world.extra.adviserId) })
	await expect.poll(() => adviser.synced()).toBe(true)
	const pp = () => ((adviser.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText)
	const before = await stored()
	pp().insert(0, 'Plain words ')
	await expect.poll(() => adviser.denied.length).toBe(1)
	await expect.poll(() => JSON.stringify(paragraphs(adviser.doc))).toBe(JSON.stringify(before))
	pp().insert(0, 'Đề xuất: ', { insertion: { id: 'sug1', by: 'THA', author: 'Nattaya Chaiyaporn' } })
	await expect.poll(async () => (await stored())[0]!.suggestions).toMatchObject([{ id: 'sug1', kind: 'insert', by: 'THA', text: 'Đề xuất: ' }])
	expect(adviser.denied).toHaveLength(1)
	// An adviser takes no positions: no brackets, alternatives or support.
	const op = (await stored())[1]!
	expect(await post('', { intent: 'bracket', paragraphId: op.id, start: 0, end: 5, text: op.text.slice(0, 5) }, world.extra.adviserId)).toMatchObject({ status: 403 })
	// Only the Chair or the Secretariat decides.
	expect(await post('THA', { intent: 'suggestion', decision: 'accept', id: 'sug1' })).toMatchObject({ status: 403 })
	expect(await post('VNM', { intent: 'suggestion', decision: 'accept' })).toMatchObject({ status: 400 })
	expect(await post('VNM', { intent: 'suggestion', decision: 'accept', id: 'nope' })).toMatchObject({ status: 404 })
	expect(await post('VNM', { intent: 'suggestion', decision: 'accept', by: 'THA' })).toMatchObject({ ok: true })
	await expect.poll(async () => (await stored())[0]!).toMatchObject({ suggestions: [] })
	expect((await stored())[0]!.text).toMatch(/^Đề xuất: /)
	adviser.destroy()
})

test('a body that is not a form, or an unknown intent, gets a sentence and a 4xx, never a 500', async () => {
	const slug = world.fixture.document.slug
	const cookie = await sessionCookie(world.fixture.people.THA!.id)
	const json = new Request(`http://localhost/documents/${slug}/negotiation`, { method: 'POST', headers: { cookie, 'Content-Type': 'application/json' }, body: '{"intent":"bracket"}' })
	const thrown = await action({ request: json, params: { slug }, context: {} } as never).catch((e: unknown) => e)
	expect(thrown).toMatchObject({ init: { status: 415 }, data: { ok: false, error: expect.stringContaining('Send this as a form') } })
	expect(await post('THA', { intent: 'nope' })).toMatchObject({ status: 400, error: 'That request was not understood.' })
	expect(await post('THA', { intent: 'bracket', paragraphId: 'p', start: -1, end: 'x', text: 'w' })).toMatchObject({ status: 400, error: 'That selection could not be read; select the words again.' })
})
