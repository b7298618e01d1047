import { afterAll, expect, test } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { DOCUMENT_FRAGMENT, MAX_SOCKETS_PER_USER } from '#app/domain/constants.ts'
import { MESSAGE_HEARTBEAT } from '#app/domain/sync-protocol.ts'
import { newParagraphId, readBlocks } from '#app/domain/statement.ts'
import { createMeeting, sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient, rawConnect, startSyncServer } from '#tests/setup/sync-server.ts'
import { createTestDatabase } from '#tests/setup/test-db.ts'
import { initTestEnv, tempDir } from '#tests/setup/test-env.ts'

initTestEnv()
const folder = tempDir()
afterAll(() => folder.remove())

/** A sync update frame (y-protocols: messageSync, update). */
function updateFrame(update: Uint8Array): Buffer {
	const e = encoding.createEncoder()
	encoding.writeVarUint(e, 0)
	encoding.writeVarUint(e, 2)
	encoding.writeVarUint8Array(e, update)
	return Buffer.from(encoding.toUint8Array(e))
}

/** A raw client holding its own copy of the document, sending what it changes as raw frames. */
async function rawEditor(url: string, slug: string, cookie: string, from: Y.Doc) {
	const raw = rawConnect(`${url}/${slug}`, { cookie })
	expect(await raw.opened).toBe(true)
	const doc = new Y.Doc()
	Y.applyUpdate(doc, Y.encodeStateAsUpdate(from))
	// It applies what the server sends (its own refused changes taken back, others' edits).
	raw.ws.on('message', (data: Buffer) => {
		const decoder = decoding.createDecoder(new Uint8Array(data))
		if (decoding.readVarUint(decoder) !== 0) return
		const sub = decoding.readVarUint(decoder)
		if (sub === 1 || sub === 2) Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), 'server')
	})
	return {
		raw,
		doc,
		send(change: (doc: Y.Doc) => void) {
			const before = Y.encodeStateVector(doc)
			change(doc)
			raw.ws.send(updateFrame(Y.encodeStateAsUpdate(doc, before)))
		},
	}
}

const texts = (doc: Y.Doc) => readBlocks(doc).map((b) => `${b.id}:${b.text}`)

test('crafted updates are refused and undone for everyone, and the disk holds none of them after a restart', async () => {
	let db = await createTestDatabase({ dataDir: folder.dir })
	const fixture = await createMeeting(db.prisma, { slug: 'crafted' })
	const slug = fixture.document.slug
	let server = await startSyncServer()
	const honest = connectClient(server.url, slug, { cookie: await sessionCookie(fixture.people.VNM!.id) })
	await expect.poll(() => honest.synced()).toBe(true)
	const before = texts(honest.doc)
	const attacker = await rawEditor(server.url, slug, await sessionCookie(fixture.people.THA!.id), honest.doc)
	const block = (d: Y.Doc, i: number) => d.getXmlFragment(DOCUMENT_FRAGMENT).get(i) as Y.XmlElement
	const attacks: [string, (d: Y.Doc) => void][] = [
		['bare text in body', (d) => d.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [new Y.XmlText('blank everything')])],
		['a hook in body', (d) => d.getXmlFragment(DOCUMENT_FRAGMENT).insert(1, [new Y.XmlHook('x') as never])],
		["another paragraph's id", (d) => block(d, 1).setAttribute('id', String(block(d, 0).getAttribute('id')))],
		['an onclick attribute', (d) => block(d, 1).setAttribute('onclick', 'alert(1)')],
		['2 MB in an attribute', (d) => block(d, 1).setAttribute('kind', 'x'.repeat(1_900_000))],
		['a root of its own', (d) => d.getMap('evil').set('blob', 'x'.repeat(1_900_000))],
		['the meta map', (d) => d.getMap('meta').set('adopted', { revision: 1 })],
	]
	for (const [name, attack] of attacks) {
		const denied = attacker.raw.messages.length
		attacker.send(attack)
		// The sender is told why (an auth message: permission denied, with the sentence).
		await expect.poll(() => attacker.raw.messages.slice(denied).some((m) => m[0] === 2), { timeout: 10_000 }).toBe(true)
		// Once the honest client holds everything the room holds (the change and its reversal).
		const room = server.sync.rooms.rooms.get(fixture.document.id)!
		await expect.poll(() => Buffer.from(Y.encodeStateVector(honest.doc)).equals(Buffer.from(Y.encodeStateVector(room.doc)))).toBe(true)
		expect(texts(honest.doc), name).toEqual(before)
	}
	// The honest delegate types on; everything is written.
	const t = block(honest.doc, 1).get(0) as Y.XmlText
	t.insert(t.length, ' Việt Nam ủng hộ.')
	const expected = texts(honest.doc)
	await expect
		.poll(() => {
			const room = server.sync.rooms.rooms.get(fixture.document.id)
			return room !== undefined && JSON.stringify(texts(room.doc)) === JSON.stringify(expected) && !room.isDirty
		})
		.toBe(true)
	attacker.raw.ws.close()
	honest.destroy()
	await server.close()
	await db.close()

	// After a restart: the text as the honest delegate left it; no foreign root holds anything.
	db = await createTestDatabase({ dataDir: folder.dir })
	server = await startSyncServer()
	const reader = connectClient(server.url, slug, { cookie: await sessionCookie(fixture.people.BRN!.id) })
	await expect.poll(() => reader.synced()).toBe(true)
	expect(texts(reader.doc)).toEqual(expected)
	expect(reader.doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray().every((b) => b instanceof Y.XmlElement)).toBe(true)
	expect(reader.doc.getMap('evil').size).toBe(0)
	expect(reader.doc.getMap('meta').size).toBe(0)
	// What the attacker sent was collected: the stored state is small again.
	expect(Y.encodeStateAsUpdate(reader.doc).length).toBeLessThan(20_000)
	reader.destroy()
	await server.close()
	await db.close()
})

test('a flooding client slows itself, not the room: honest keystrokes overtake its backlog, and nothing is lost', async () => {
	const db = await createTestDatabase()
	const fixture = await createMeeting(db.prisma, { slug: 'flood' })
	const slug = fixture.document.slug
	const server = await startSyncServer()
	const typist = connectClient(server.url, slug, { cookie: await sessionCookie(fixture.people.VNM!.id) })
	const reader = connectClient(server.url, slug, { cookie: await sessionCookie(fixture.people.BRN!.id) })
	await expect.poll(() => typist.synced() && reader.synced()).toBe(true)
	const flooder = await rawEditor(server.url, slug, await sessionCookie(fixture.people.THA!.id), typist.doc)
	// 450 one-letter updates, written to the socket at once (as fast as a client can): past the
	// burst, but within what a connection may owe before it is cut off.
	const fragment = flooder.doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const target = (fragment.get(1) as Y.XmlElement).get(0) as Y.XmlText
	const FLOOD = 450
	for (let i = 0; i < FLOOD; i++) flooder.send(() => target.insert(target.length, 'z'))
	const flooded = () => (readBlocks(reader.doc)[1]?.text.match(/z/g) ?? []).length
	// The honest delegate types ten words while the backlog waits; each reaches the reader.
	const mine = (typist.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
	for (let i = 0; i < 10; i++) {
		mine.insert(mine.length, ` từ${i}`)
		await expect.poll(() => readBlocks(reader.doc)[0]!.text.endsWith(` từ${i}`), { interval: 5 }).toBe(true)
	}
	// …long before the flood has all been read: the server reads that socket at its budget's pace.
	expect(flooded()).toBeLessThan(FLOOD)
	// Nothing of the flood is dropped: it all arrives, in order, and every copy converges.
	await expect.poll(flooded, { timeout: 60_000, interval: 200 }).toBe(FLOOD)
	await expect.poll(() => JSON.stringify(texts(typist.doc)), { timeout: 10_000 }).toBe(JSON.stringify(texts(reader.doc)))
	expect(typist.closes).toEqual([])
	flooder.raw.ws.close()
	typist.destroy()
	reader.destroy()
	await server.close()
	await db.close()
})

test('a client that keeps flooding is closed with its own code after CONNECTION_OVER_BUDGET_MS; the room goes on', async () => {
	const db = await createTestDatabase()
	const fixture = await createMeeting(db.prisma, { slug: 'runaway' })
	const slug = fixture.document.slug
	const server = await startSyncServer()
	const typist = connectClient(server.url, slug, { cookie: await sessionCookie(fixture.people.VNM!.id) })
	await expect.poll(() => typist.synced()).toBe(true)
	const flooder = await rawEditor(server.url, slug, await sessionCookie(fixture.people.THA!.id), typist.doc)
	const target = ((flooder.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0)) as Y.XmlText
	let stop = false
	const pump = async () => {
		while (!stop && flooder.raw.ws.readyState === flooder.raw.ws.OPEN) {
			for (let i = 0; i < 200 && flooder.raw.ws.bufferedAmount < 256 * 1024; i++) flooder.send(() => target.insert(target.length, 'z'))
			await new Promise((r) => setTimeout(r, 5))
		}
	}
	const pumping = pump()
	expect((await flooder.raw.closed).code).toBe(CLOSE_CODES.sendingTooFast)
	stop = true
	await pumping
	// The honest delegate never noticed.
	const mine = (typist.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
	mine.insert(mine.length, ' Vẫn ổn.')
	await expect.poll(() => readBlocks(server.sync.rooms.rooms.get(fixture.document.id)!.doc)[0]!.text.endsWith(' Vẫn ổn.')).toBe(true)
	expect(typist.closes).toEqual([])
	typist.destroy()
	await server.close()
	await db.close()
})

test('one person holds at most MAX_SOCKETS_PER_USER sync sockets; the next is refused with its own close code', async () => {
	const db = await createTestDatabase()
	const fixture = await createMeeting(db.prisma, { slug: 'sockets' })
	const server = await startSyncServer()
	const cookie = await sessionCookie(fixture.people.THA!.id)
	const url = `${server.url}/${fixture.document.slug}`
	const open: ReturnType<typeof rawConnect>[] = []
	for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) {
		const raw = rawConnect(url, { cookie })
		expect(await raw.opened).toBe(true)
		open.push(raw)
	}
	// Each is really served (answers a heartbeat), then one too many is closed with 4429.
	for (const raw of open) raw.ws.send(Buffer.from([MESSAGE_HEARTBEAT]))
	await expect.poll(() => open.every((raw) => raw.messages.some((m) => m.length === 1 && m[0] === MESSAGE_HEARTBEAT))).toBe(true)
	const extra = rawConnect(url, { cookie })
	expect((await extra.closed).code).toBe(CLOSE_CODES.tooManyConnections)
	// Another person is not affected, and closing one frees a place.
	const other = rawConnect(url, { cookie: await sessionCookie(fixture.people.VNM!.id) })
	expect(await other.opened).toBe(true)
	open.pop()!.ws.close()
	await expect
		.poll(async () => {
			const again = rawConnect(url, { cookie })
			const opened = await again.opened
			const stayed = opened && (await Promise.race([again.closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 300))]))
			if (stayed) open.push(again)
			else again.ws.close()
			return stayed
		})
		.toBe(true)
	for (const raw of [...open, other]) raw.ws.close()
	await server.close()
	await db.close()
})

test('a document at its maximum size refuses additions with a sentence and still takes deletions', async () => {
	const db = await createTestDatabase()
	const fixture = await createMeeting(db.prisma, { slug: 'size' })
	const server = await startSyncServer({ maxDocumentBytes: 80_000 })
	const writer = connectClient(server.url, fixture.document.slug, { cookie: await sessionCookie(fixture.people.VNM!.id) })
	await expect.poll(() => writer.synced()).toBe(true)
	const fragment = writer.doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const addParagraph = (text: string) => {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', newParagraphId())
		p.setAttribute('kind', 'operative')
		p.insert(0, [new Y.XmlText(text)])
		fragment.insert(fragment.length, [p])
	}
	const initial = readBlocks(writer.doc).length
	const room = () => server.sync.rooms.rooms.get(fixture.document.id)!.doc
	// Two paragraphs of about 50 KB each: the second takes the document past 80 KB.
	for (let i = 0; i < 2; i++) {
		addParagraph(`Đoạn ${i}: ${'ASEAN hợp tác. '.repeat(3_000)}`)
		await expect.poll(() => readBlocks(room()).length, { timeout: 10_000 }).toBe(initial + i + 1)
	}
	expect(writer.denied).toEqual([])
	// The third is refused and taken back, for the writer too.
	addParagraph('Một đoạn nữa.')
	await expect.poll(() => writer.denied).toContainEqual(expect.stringContaining('maximum size'))
	await expect.poll(() => readBlocks(writer.doc).length).toBe(initial + 2)
	// Deleting still works, so the Secretariat can make room.
	const deniedBefore = writer.denied.length
	fragment.delete(initial + 1, 1)
	await expect.poll(() => readBlocks(room()).length).toBe(initial + 1)
	expect(writer.denied.length).toBe(deniedBefore)
	writer.destroy()
	await server.close()
	await db.close()
})
