import { protocol } from '@electric-sql/pglite'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { openDatabase, type Database } from '#server/database.ts'

// What the rest of the server relies on from the embedded database (server/database.ts): the
// update log's plain SQL and Prisma give PGlite's own results and error codes, and the plain
// SQL never runs inside a Prisma transaction (ADR 002).

let db: Database
beforeAll(async () => {
	db = await openDatabase({ dataDir: null })
})
afterAll(() => db.close())

test('queries, Prisma and the plain SQL of the update log give PGlite’s own results, Unicode intact', async () => {
	const { rows } = await db.sql('SELECT $1::text AS name, $2::bytea AS data, 9007199254740993::bigint AS seq', ['Nguyễn Thị Hồng Nhung', Buffer.from([0, 1, 255])])
	expect(rows[0]!.name).toBe('Nguyễn Thị Hồng Nhung')
	expect([...(rows[0]!.data as Uint8Array)]).toEqual([0, 1, 255])
	expect(BigInt(rows[0]!.seq as bigint)).toBe(9007199254740993n)
	await db.prisma.state.create({ data: { code: 'TST', name: 'Việt Nam (thử nghiệm)' } })
	expect((await db.prisma.state.findUniqueOrThrow({ where: { code: 'TST' } })).name).toBe('Việt Nam (thử nghiệm)')
})

test('database errors keep their code: through the plain SQL, through Prisma, inside a transaction', async () => {
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
})

test('the update log’s SQL waits for an open transaction instead of running inside it', async () => {
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
})
