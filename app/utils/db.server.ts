import type { PrismaClient } from '#app/generated/prisma/client.ts'

export type { PrismaClient }

/**
 * The process-wide Prisma client. The server entry (server/main.ts) opens the database once
 * and registers it here; the web app's bundle and the sync server both read the same
 * instance through globalThis, so development reloads never open a second PGlite on the
 * same folder (which corrupts it).
 */
const KEY = Symbol.for('accord.db')
type Holder = { [KEY]?: PrismaClient }

export function setDb(prisma: PrismaClient | null) {
	if (prisma) (globalThis as Holder)[KEY] = prisma
	else delete (globalThis as Holder)[KEY]
}

export function getDb(): PrismaClient {
	const prisma = (globalThis as Holder)[KEY]
	if (!prisma) throw new Error('Database not open: start Accord through server/main.ts')
	return prisma
}
