import type { PrismaClient } from '#app/generated/prisma/client.ts'

export type { PrismaClient }

/**
 * Plain SQL on the same database as the Prisma client, for the statements where Prisma's own
 * cost counts: the sync path's (the log's writes and load, checkpoints, the connection check's
 * reads), on the sync server's thread (docs/sync-performance-notebook.md, items 22, 44, 49). Parameters are bound, never spliced in.
 */
export type Sql = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>

/**
 * The process-wide Prisma client (and its plain-SQL twin). The server entry (server/main.ts)
 * opens the database once and registers it here; the web app's bundle and the sync server both
 * read the same instance through globalThis, so development reloads never open a second PGlite
 * on the same folder (which corrupts it).
 */
const KEY = Symbol.for('accord.db')
type Holder = { [KEY]?: { prisma: PrismaClient; sql: Sql } }

export function setDb(db: { prisma: PrismaClient; sql: Sql } | null) {
	if (db) (globalThis as Holder)[KEY] = { prisma: db.prisma, sql: db.sql }
	else delete (globalThis as Holder)[KEY]
}

export function getDb(): PrismaClient {
	return held().prisma
}

export function getSql(): Sql {
	return held().sql
}

function held() {
	const db = (globalThis as Holder)[KEY]
	if (!db) throw new Error('Database not open: start Accord through server/main.ts')
	return db
}
