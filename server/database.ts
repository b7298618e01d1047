import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { applyMigrations } from '#prisma/migrations.ts'

export type Database = {
	prisma: PrismaClient
	kind: 'pglite' | 'postgresql'
	/** Where the data is, for messages (folder or URL without password). */
	location: string
	/** Migrations applied by this open. */
	applied: string[]
	close(): Promise<void>
}

export class DatabaseLockedError extends Error {
	override name = 'DatabaseLockedError'
}

/**
 * Opens the database: PostgreSQL when `databaseUrl` is set, otherwise the embedded PGlite in
 * `dataDir/pglite` (or in memory with `dataDir: null`, for tests). Applies pending migrations
 * before anything else touches it.
 *
 * PGlite tolerates exactly one process per folder and nothing enforces it, so the folder is
 * guarded by an exclusive lock file holding the owner's pid; a second process fails with
 * DatabaseLockedError. A lock left by a process that no longer runs (kill -9) is taken over.
 */
export async function openDatabase(options: {
	dataDir: string | null
	databaseUrl?: string
	migrate?: boolean
}): Promise<Database> {
	if (options.databaseUrl) {
		const factory = new PrismaPg({ connectionString: options.databaseUrl })
		const applied = options.migrate === false ? [] : await applyMigrations(factory)
		const prisma = new PrismaClient({ adapter: factory })
		return {
			prisma,
			kind: 'postgresql',
			location: redactUrl(options.databaseUrl),
			applied,
			close: () => prisma.$disconnect(),
		}
	}
	const folder = options.dataDir ? path.join(path.resolve(options.dataDir), 'pglite') : null
	const release = folder ? acquireLock(folder) : () => {}
	try {
		if (folder) mkdirSync(folder, { recursive: true })
		const pglite = folder ? await PGlite.create(folder) : await PGlite.create()
		const factory: SqlMigrationAwareDriverAdapterFactory = new PrismaPGlite(pglite)
		const applied = options.migrate === false ? [] : await applyMigrations(factory)
		const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) })
		let closed = false
		return {
			prisma,
			kind: 'pglite',
			location: folder ?? 'memory',
			applied,
			async close() {
				if (closed) return
				closed = true
				await prisma.$disconnect()
				await pglite.close()
				release()
			},
		}
	} catch (error) {
		release()
		throw error
	}
}

function acquireLock(folder: string): () => void {
	mkdirSync(path.dirname(folder), { recursive: true })
	const lockFile = `${folder}.lock`
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const fd = openSync(lockFile, 'wx', 0o600)
			writeSync(fd, `${process.pid}\n`)
			closeSync(fd)
			let released = false
			const release = () => {
				if (released) return
				released = true
				try {
					if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile)
				} catch {
					// already gone
				}
			}
			process.once('exit', release)
			return release
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
			const owner = Number.parseInt(readFileSafe(lockFile), 10)
			if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
				throw new DatabaseLockedError(
					`The database folder ${folder} is in use by another Accord process (pid ${owner}). ` +
						`Stop that process first, or start this one with another DATA_DIR.`,
				)
			}
			// Stale: its owner is gone (killed or crashed). Take it over.
			try {
				unlinkSync(lockFile)
			} catch {
				// someone else took it over first; the next attempt tells
			}
		}
	}
	throw new DatabaseLockedError(`Could not take the lock ${lockFile}; another process is starting on the same folder.`)
}

function readFileSafe(file: string): string {
	try {
		return readFileSync(file, 'utf8')
	} catch {
		return ''
	}
}

/** Is a process with this pid running, and is it a Node process (pids get reused)? */
function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0)
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM'
	}
	try {
		return /node|tsx/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))
	} catch {
		return true
	}
}

function redactUrl(url: string): string {
	try {
		const parsed = new URL(url)
		if (parsed.password) parsed.password = '***'
		return parsed.toString()
	} catch {
		return 'postgresql://…'
	}
}
