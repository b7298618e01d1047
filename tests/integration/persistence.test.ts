import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks, newParagraphId } from '#app/domain/statement.ts'
import { DatabaseLockedError, openDatabase } from '#server/database.ts'
import { createMeeting, sessionCookie } from '#tests/factories/meeting.ts'
import { expectLogAppendExact } from '#tests/setup/log-append.ts'
import { connectClient, startSyncServer } from '#tests/setup/sync-server.ts'
import { createTestDatabase } from '#tests/setup/test-db.ts'
import { initTestEnv, tempDir } from '#tests/setup/test-env.ts'

initTestEnv()
const folder = tempDir()
afterAll(() => folder.remove())

test('after a restart the document is intact, loaded from checkpoint and log', async () => {
	let db = await createTestDatabase({ dataDir: folder.dir })
	const fixture = await createMeeting(db.prisma)
	const cookie = await sessionCookie(fixture.people.VNM!.id)
	let server = await startSyncServer()
	const writer = connectClient(server.url, fixture.document.slug, { cookie })
	await expect.poll(() => writer.synced()).toBe(true)
	const fragment = writer.doc.getXmlFragment(DOCUMENT_FRAGMENT)
	for (let i = 0; i < 30; i++) {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', newParagraphId())
		p.setAttribute('kind', 'operative')
		const t = new Y.XmlText()
		t.insert(0, `Đoạn ${i + 1}: các nước thành viên ASEAN`)
		p.insert(0, [t])
		fragment.insert(fragment.length, [p])
	}
	const expected = readBlocks(writer.doc)
	// Wait until the server has every paragraph and has written it (the client sends asynchronously).
	await expect
		.poll(() => {
			const room = server.sync.rooms.rooms.get(fixture.document.id)
			return room !== undefined && readBlocks(room.doc).length === expected.length && !room.isDirty
		})
		.toBe(true)
	writer.destroy()
	await server.close() // writes and checkpoints every room
	await db.close()
	expect(await db.prisma.$queryRaw`SELECT 1`.then(() => 'open', () => 'closed')).toBe('closed')

	db = await createTestDatabase({ dataDir: folder.dir })
	expect(await db.prisma.documentCheckpoint.count({ where: { documentId: fixture.document.id } })).toBeGreaterThan(0)
	server = await startSyncServer()
	const reader = connectClient(server.url, fixture.document.slug, { cookie })
	await expect.poll(() => reader.synced()).toBe(true)
	expect(readBlocks(reader.doc)).toEqual(expected)
	reader.destroy()
	await server.close()
	await db.close()
})

test('the log on the database: a checkpoint plus only the rows after it, older checkpoints pruned', async () => {
	const { appendDocumentUpdates, loadDocumentLog, writeCheckpoint, CHECKPOINTS_KEPT } = await import('#app/models/document-log.server.ts')
	const { applyStored } = await import('#server/persistence.ts')
	const db = await createTestDatabase()
	try {
		const fixture = await createMeeting(db.prisma, { slug: 'log-test' })
		const source = new Y.Doc()
		const seeded = new Y.Doc()
		Y.applyUpdate(seeded, (await db.prisma.documentUpdate.findFirstOrThrow({ where: { documentId: fixture.document.id } })).data)
		Y.applyUpdate(source, Y.encodeStateAsUpdate(seeded))
		const text = () => ((source.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText)
		const append = async (s: string) => {
			const sv = Y.encodeStateVector(source)
			text().insert(text().length, s)
			const last = await appendDocumentUpdates({ rows: [{ documentId: fixture.document.id, data: Y.encodeStateAsUpdate(source, sv), userId: fixture.people.VNM!.id, delegationId: null }] })
			return last.get(fixture.document.id)!
		}
		for (let i = 0; i < 3; i++) {
			for (const word of [' một', ' hai', ' ba']) await append(word)
			const upToSeq = await append(` [cp ${i}]`)
			await writeCheckpoint({ documentId: fixture.document.id, state: Y.encodeStateAsUpdate(source), upToSeq })
		}
		await append(' sau')
		await append(' cùng')
		const stored = await loadDocumentLog({ documentId: fixture.document.id })
		expect(stored.tail).toHaveLength(2)
		const loaded = new Y.Doc()
		applyStored(loaded, stored)
		expect(readBlocks(loaded)).toEqual(readBlocks(source))
		expect(await db.prisma.documentCheckpoint.count({ where: { documentId: fixture.document.id } })).toBe(CHECKPOINTS_KEPT)
		// Bytes travel as base64 (with PostgreSQL's line breaks): every byte value, a large state
		// and an empty one come back exactly.
		const large = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256)
		await writeCheckpoint({ documentId: fixture.document.id, state: large, upToSeq: await append('.') })
		expect((await loadDocumentLog({ documentId: fixture.document.id })).checkpoint).toEqual(large)
		await appendDocumentUpdates({ rows: [{ documentId: fixture.document.id, data: new Uint8Array(0), userId: null, delegationId: null }] })
		expect((await loadDocumentLog({ documentId: fixture.document.id })).tail.at(-1)).toEqual(new Uint8Array(0))
	} finally {
		await db.close()
	}
})

test('the log\'s group-commit write: 3,000 rows of two documents in one statement, exact bytes and authors', async () => {
	const db = await createTestDatabase()
	try {
		const fixture = await createMeeting(db.prisma, { slug: 'append-test' })
		await expectLogAppendExact(db.prisma, fixture.meeting.id, 'append-test')
	} finally {
		await db.close()
	}
})

test('a document deleted under its open room does not stop the other documents being saved', async () => {
	const { databasePersistence: prismaPersistence } = await import('#app/utils/sync-access.server.ts')
	const { RoomManager } = await import('#server/room-manager.ts')
	const { connectFakeClient, until } = await import('#tests/factories/sync-client.ts')
	const db = await createTestDatabase()
	const errors: string[] = []
	const logger = { info() {}, warn() {}, error: (message: string) => void errors.push(message) }
	const rooms = new RoomManager({ persistence: prismaPersistence, logger, unloadDelayMs: 0 })
	try {
		const kept = await createMeeting(db.prisma, { slug: 'kept-meeting' })
		const doomed = await createMeeting(db.prisma, { slug: 'doomed-meeting' })
		const a = connectFakeClient(rooms, kept.document.id)
		const b = connectFakeClient(rooms, doomed.document.id)
		for (const c of [a, b]) c.hello()
		await until(() => rooms.rooms.has(kept.document.id) && rooms.rooms.has(doomed.document.id), { step: () => [a, b].forEach((c) => c.pump()) })
		await until(() => a.text().length > 0 && b.text().length > 0, { step: () => [a, b].forEach((c) => c.pump()) })
		// Someone deletes one document's row by hand while it is open: its log rows are refused.
		await db.prisma.$executeRaw`DELETE FROM "Document" WHERE "id" = ${doomed.document.id}`
		const type = (c: typeof a, words: string) => {
			const text = (c.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
			text.insert(text.length, words)
		}
		type(a, ' — Hà Nội, tháng Mười Một')
		type(b, ' — Viêng Chăn')
		// The same window holds both: the kept document is written all the same.
		const room = rooms.rooms.get(kept.document.id)!
		await until(() => !room.isDirty && errors.length > 0, { step: () => [a, b].forEach((c) => c.pump()), timeoutMs: 10_000 })
		expect(errors[0]).toContain(doomed.document.id)
		expect(errors[0]).not.toContain(kept.document.id)
		const stored = new Y.Doc()
		for (const row of await db.prisma.documentUpdate.findMany({ where: { documentId: kept.document.id }, orderBy: { seq: 'asc' } })) Y.applyUpdate(stored, row.data)
		expect(readBlocks(stored)[0]!.text).toContain('Hà Nội, tháng Mười Một')
		// The refused changes stay in memory, not dropped.
		expect(rooms.rooms.get(doomed.document.id)!.isDirty).toBe(true)
		a.handle.close()
		b.handle.close()
	} finally {
		rooms.log.dispose()
		await db.close()
	}
})

test('a second process cannot open the same embedded database folder', async () => {
	const dir = tempDir()
	const first = await openDatabase({ dataDir: dir.dir })
	try {
		const { spawnSync } = await import('node:child_process')
		// A real second process (the lock is about processes, not handles).
		const script = `
			import { openDatabase } from '#server/database.ts'
			try { await openDatabase({ dataDir: ${JSON.stringify(dir.dir)} }); console.log('OPENED') }
			catch (e) { console.log(e.name + ': ' + e.message) }
			process.exit(0)`
		const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
			cwd: path.resolve(import.meta.dirname, '../..'),
			encoding: 'utf8',
			timeout: 60_000,
		})
		expect(result.stdout).toContain('DatabaseLockedError')
		expect(result.stdout).toContain(`is in use by another Accord process (pid ${process.pid})`)
		// A kill -9 releases it with the process (tests/e2e/durability.test.ts restarts on the folder).
		expect(result.stdout).not.toContain('OPENED')
		// The same process cannot open it twice either.
		await expect(openDatabase({ dataDir: dir.dir })).rejects.toBeInstanceOf(DatabaseLockedError)
	} finally {
		await first.close()
	}
	// Released on close: the folder opens again, whatever a dead process left in the pid file.
	const { writeFileSync } = await import('node:fs')
	writeFileSync(path.join(dir.dir, 'pglite.lock'), '999999\n')
	const again = await openDatabase({ dataDir: dir.dir })
	await again.close()
	dir.remove()
})
