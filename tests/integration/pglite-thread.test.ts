import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { protocol } from '@electric-sql/pglite'
import { afterAll, expect, test } from 'vitest'
import { openDatabase } from '#server/database.ts'
import { PGliteThread } from '#server/pglite-thread.ts'

// The embedded database runs on a thread of its own (server/pglite-thread.ts): these are the
// promises the rest of the server relies on — PGlite's own results and errors, transactions
// that nothing interleaves with, a server thread that keeps running during a long query, and a
// clear error when the database's thread is gone.

const folders: string[] = []
afterAll(() => {
	for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

test('queries, Prisma and the plain SQL of the update log give PGlite’s own results, Unicode intact', async () => {
	const db = await openDatabase({ dataDir: null })
	try {
		const { rows } = await db.sql('SELECT $1::text AS name, $2::bytea AS data, 9007199254740993::bigint AS seq', ['Nguyễn Thị Hồng Nhung', Buffer.from([0, 1, 255])])
		expect(rows[0]!.name).toBe('Nguyễn Thị Hồng Nhung')
		expect([...(rows[0]!.data as Uint8Array)]).toEqual([0, 1, 255])
		expect(BigInt(rows[0]!.seq as bigint)).toBe(9007199254740993n)
		await db.prisma.state.create({ data: { code: 'TST', name: 'Việt Nam (thử nghiệm)' } })
		expect((await db.prisma.state.findUniqueOrThrow({ where: { code: 'TST' } })).name).toBe('Việt Nam (thử nghiệm)')
	} finally {
		await db.close()
	}
})

test('database errors keep their code: through the plain SQL, through Prisma, inside a transaction', async () => {
	const db = await openDatabase({ dataDir: null })
	try {
		const error = await db.sql('SELECT * FROM "NoSuchTable"', []).catch((e: unknown) => e)
		expect(error).toBeInstanceOf(protocol.messages.DatabaseError)
		expect((error as { code: string }).code).toBe('42P01')
		await db.prisma.state.create({ data: { code: 'DUP', name: 'Một' } })
		await expect(db.prisma.state.create({ data: { code: 'DUP', name: 'Hai' } })).rejects.toMatchObject({ code: 'P2002' })
		// A failed transaction is rolled back and the connection is usable afterwards.
		await expect(
			db.prisma.$transaction(async (tx) => {
				await tx.state.create({ data: { code: 'RBK', name: 'Rollback' } })
				await tx.$executeRawUnsafe('SELECT * FROM "NoSuchTable"')
			}),
		).rejects.toThrow(/NoSuchTable/)
		expect(await db.prisma.state.count({ where: { code: 'RBK' } })).toBe(0)
		expect((await db.sql('SELECT 1 AS one', [])).rows[0]!.one).toBe(1)
	} finally {
		await db.close()
	}
})

test('the update log’s SQL waits for an open transaction instead of running inside it', async () => {
	const db = await openDatabase({ dataDir: null })
	try {
		const order: string[] = []
		let inside!: () => void
		const entered = new Promise<void>((resolve) => (inside = resolve))
		const transaction = db.prisma.$transaction(async (tx) => {
			await tx.state.create({ data: { code: 'TXN', name: 'Giao dịch' } })
			inside()
			// The plain SQL is issued now; it must not see or join this transaction.
			await new Promise((resolve) => setTimeout(resolve, 50))
			order.push('transaction')
			throw new Error('rolled back on purpose')
		})
		await entered
		const outside = db.sql('SELECT count(*)::int AS n FROM "State" WHERE code = $1', ['TXN']).then((result) => {
			order.push('sql')
			return result.rows[0]!.n
		})
		await expect(transaction).rejects.toThrow('rolled back on purpose')
		expect(await outside).toBe(0)
		expect(order).toEqual(['transaction', 'sql'])
	} finally {
		await db.close()
	}
})

test('the server’s thread keeps running while the database works on a long query', async () => {
	const db = await openDatabase({ dataDir: null })
	try {
		let ticks = 0
		const timer = setInterval(() => ticks++, 5)
		let ticksWhenDone = 0
		await db.sql('SELECT count(*) FROM generate_series(1, 3000000)', []).then(() => (ticksWhenDone = ticks))
		clearInterval(timer)
		// With PGlite on this thread the query's execution would block every timer until it ended.
		expect(ticksWhenDone).toBeGreaterThan(10)
	} finally {
		await db.close()
	}
})

test('a folder closes cleanly and opens again with its data; a second opener is refused', async () => {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'accord-thread-'))
	folders.push(dataDir)
	const first = await openDatabase({ dataDir })
	await first.prisma.state.create({ data: { code: 'KHM', name: 'Campuchia' } })
	await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by another Accord process/)
	await first.close()
	const again = await openDatabase({ dataDir })
	try {
		expect((await again.prisma.state.findUniqueOrThrow({ where: { code: 'KHM' } })).name).toBe('Campuchia')
	} finally {
		await again.close()
	}
})

test('when the database’s thread dies, waiting and later queries fail with a clear error, reported once', async () => {
	const failures: string[] = []
	const thread = await PGliteThread.open(null, (error) => failures.push(error.message))
	const running = thread.query('SELECT count(*) FROM generate_series(1, 3000000)')
	// Killed from outside, as a crash of the thread would end it.
	await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate()
	await expect(running).rejects.toThrow(/The embedded database stopped/)
	await expect(thread.query('SELECT 1')).rejects.toThrow(/The embedded database stopped/)
	expect(failures).toHaveLength(1)
	expect(failures[0]).toMatch(/The embedded database stopped/)
	await thread.close() // closing a stopped database is harmless
})
