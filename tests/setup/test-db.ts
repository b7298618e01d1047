import { setDb } from '#app/utils/db.server.ts'
import { openDatabase, type Database } from '#server/database.ts'

/**
 * A migrated database for one test file: in-memory PGlite by default, a folder when given
 * (restart tests), or the PostgreSQL server of `databaseUrl`. Registered as the process's db.
 */
export async function createTestDatabase(options: { dataDir?: string | null; databaseUrl?: string } = {}): Promise<Database> {
	const db = await openDatabase({ dataDir: options.dataDir ?? null, databaseUrl: options.databaseUrl })
	setDb(db)
	return db
}
