import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { openDatabase } from '#server/database.ts'
import { createMeeting, sessionCookie } from '#tests/factories/meeting.ts'
import { expectLogAppendExact } from '#tests/setup/log-append.ts'
import { startPostgres } from '#tests/setup/postgres.ts'
import { connectClient, startSyncServer } from '#tests/setup/sync-server.ts'
import { createTestDatabase } from '#tests/setup/test-db.ts'
import { initTestEnv } from '#tests/setup/test-env.ts'

initTestEnv()
let postgres: Awaited<ReturnType<typeof startPostgres>>
beforeAll(async () => {
	postgres = await startPostgres()
})
afterAll(() => postgres?.stop())

test('against a PostgreSQL server: the same migrations, live sync, and a restart', async () => {
	let db = await createTestDatabase({ databaseUrl: postgres.url })
	expect(db.kind).toBe('postgresql')
	expect(db.applied.length).toBeGreaterThan(0)
	const fixture = await createMeeting(db.prisma)
	await expectLogAppendExact(db.prisma, fixture.meeting.id, 'append-test')
	let server = await startSyncServer()
	const vnm = connectClient(server.url, fixture.document.slug, { cookie: await sessionCookie(fixture.people.VNM!.id) })
	const tha = connectClient(server.url, fixture.document.slug, { cookie: await sessionCookie(fixture.people.THA!.id) })
	await expect.poll(() => vnm.synced() && tha.synced()).toBe(true)
	const text = (vnm.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	text.insert(text.length, ' Cộng hoà xã hội chủ nghĩa Việt Nam.')
	await expect.poll(() => readBlocks(tha.doc)[1]?.text.endsWith('Việt Nam.')).toBe(true)
	await expect.poll(() => server.sync.rooms.rooms.get(fixture.document.id)?.isDirty).toBe(false)
	vnm.destroy()
	tha.destroy()
	await server.close()
	await db.close()

	db = await createTestDatabase({ databaseUrl: postgres.url })
	expect(db.applied).toEqual([])
	server = await startSyncServer()
	const reader = connectClient(server.url, fixture.document.slug, { cookie: await sessionCookie(fixture.people.BRN!.id) })
	await expect.poll(() => reader.synced()).toBe(true)
	expect(readBlocks(reader.doc)[1]!.text).toBe('Agree to accelerate the Plan of Action. Cộng hoà xã hội chủ nghĩa Việt Nam.')
	reader.destroy()
	await server.close()
	await db.close()
})

test('PostgreSQL dropping idle connections (a server restart) does not stop Accord: the pool reconnects', async () => {
	const warnings: string[] = []
	const db = await openDatabase({ dataDir: null, databaseUrl: postgres.url, logger: { warn: (...args: unknown[]) => warnings.push(args.join(' ')) } })
	try {
		// Before Prisma's first query (it connects lazily): nobody but Accord listens to the pool.
		expect((await db.sql('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }])
		const admin = new pg.Client({ connectionString: postgres.url })
		await admin.connect()
		const { rows } = await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
		await admin.end()
		expect(rows.length).toBeGreaterThan(0)
		// Both paths get a fresh connection: the plain SQL of the log and Prisma.
		await expect.poll(async () => (await db.sql('SELECT 1 AS one', []).catch(() => ({ rows: [] }))).rows).toEqual([{ one: 1 }])
		await expect.poll(() => db.prisma.user.count().then(() => 'ok', () => 'failed')).toBe('ok')
		expect(warnings.some((w) => w.includes('idle PostgreSQL connection failed'))).toBe(true)
	} finally {
		await db.close()
	}
})
