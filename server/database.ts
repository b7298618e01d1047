import { createHash } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { parse as pgliteParse, PGlite, protocol } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import pg from 'pg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import type { Sql } from '#app/utils/db.server.ts'
import { applyMigrations } from '#prisma/migrations.ts'

export type Database = {
	prisma: PrismaClient
	/** Plain SQL on the same connection(s), for the update log's writes (app/utils/db.server.ts). */
	sql: Sql
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
 * guarded by an exclusive lock (acquireLock) that a kill -9 releases with the process; a second
 * opener fails with DatabaseLockedError.
 */
export async function openDatabase(options: {
	dataDir: string | null
	databaseUrl?: string
	migrate?: boolean
	/** Where a dropped idle PostgreSQL connection is reported (the server's logger; else the console). */
	logger?: { warn(...args: unknown[]): void }
}): Promise<Database> {
	if (options.databaseUrl) {
		// One pool for Prisma and the plain SQL; a pool handed to the adapter is ours to end.
		const pool = new pg.Pool({ connectionString: options.databaseUrl })
		// An idle connection the server dropped (a restart of PostgreSQL) must not kill the
		// process: the pool replaces it. Prisma listens only while it is connected.
		const logger = options.logger ?? console
		pool.on('error', (error) => logger.warn(`[database] an idle PostgreSQL connection failed (the pool replaces it): ${error.message}`))
		try {
			const factory = new PrismaPg(pool)
			const applied = options.migrate === false ? [] : await applyMigrations(factory)
			const prisma = new PrismaClient({ adapter: factory })
			return {
				prisma,
				sql: (text, params) => pool.query(text, params),
				kind: 'postgresql',
				location: redactUrl(options.databaseUrl),
				applied,
				close: once(async () => {
					await prisma.$disconnect()
					await pool.end()
				}),
			}
		} catch (error) {
			await pool.end().catch(() => {})
			throw error
		}
	}
	const folder = options.dataDir ? path.join(path.resolve(options.dataDir), 'pglite') : null
	const release = folder ? await acquireLock(folder) : () => {}
	try {
		if (folder) mkdirSync(folder, { recursive: true })
		const pglite = folder ? await PGlite.create(folder) : await PGlite.create()
		const factory: SqlMigrationAwareDriverAdapterFactory = new PrismaPGlite(pglite)
		const applied = options.migrate === false ? [] : await applyMigrations(factory)
		const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) })
		return {
			prisma,
			sql: oneTripSql(pglite),
			kind: 'pglite',
			location: folder ?? 'memory',
			applied,
			close: once(async () => {
				await prisma.$disconnect()
				await pglite.close()
				release()
			}),
		}
	} catch (error) {
		release()
		throw error
	}
}

/** Closing twice closes once (a shutdown and a test's cleanup may both ask). */
function once(close: () => Promise<void>): () => Promise<void> {
	let closing: Promise<void> | null = null
	return () => (closing ??= close())
}

/**
 * An exclusive lock on the folder that the kernel releases when the process dies, however it
 * dies: a listening Unix socket in Linux's abstract namespace, named after the folder. Opening
 * the folder twice, from two processes or one, fails with EADDRINUSE. The pid file beside the
 * folder only says who holds it. Elsewhere than Linux, the pid file is the lock.
 */
export async function acquireLock(folder: string): Promise<() => void> {
	mkdirSync(path.dirname(folder), { recursive: true })
	const canonical = path.join(realpathSync(path.dirname(folder)), path.basename(folder))
	const pidFile = `${folder}.lock`
	const held = () =>
		new DatabaseLockedError(
			`The database folder ${folder} is in use by another Accord process${ownerOf(pidFile)}. ` +
				`Stop that process first, or start this one with another DATA_DIR.`,
		)
	if (process.platform !== 'linux') return acquirePidFileLock(pidFile, held)
	const server = createServer()
	const name = `\0accord-pglite-${createHash('sha256').update(canonical).digest('hex').slice(0, 40)}`
	try {
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject)
			server.listen({ path: name }, () => resolve())
		})
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw held()
		throw error
	}
	server.unref()
	writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 })
	let released = false
	return () => {
		if (released) return
		released = true
		server.close()
		try {
			if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(pidFile)
		} catch {
			// already gone
		}
	}
}

function ownerOf(pidFile: string): string {
	const pid = Number.parseInt(readFileSafe(pidFile), 10)
	return Number.isInteger(pid) && pid > 0 ? ` (pid ${pid})` : ''
}

/** The fallback lock: a pid file created exclusively; one left by a dead process is taken over. */
function acquirePidFileLock(pidFile: string, held: () => Error): () => void {
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const fd = openSync(pidFile, 'wx', 0o600)
			writeSync(fd, `${process.pid}\n`)
			closeSync(fd)
			return () => {
				try {
					if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(pidFile)
				} catch {
					// already gone
				}
			}
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
			const owner = Number.parseInt(readFileSafe(pidFile), 10)
			// No pid yet: someone is writing it right now.
			if (!Number.isInteger(owner) || owner === process.pid || isAlive(owner)) throw held()
			try {
				unlinkSync(pidFile)
			} catch {
				// someone else took it over first; the next attempt tells
			}
		}
	}
	throw held()
}

function readFileSafe(file: string): string {
	try {
		return readFileSync(file, 'utf8')
	} catch {
		return ''
	}
}

/** Is a process with this pid running? */
function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0)
		return true
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM'
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

/**
 * Plain SQL on PGlite in one trip into the database: parse, bind, describe, execute and sync go
 * in one message, where PGlite's `query` sends six, one at a time, to learn the parameters' types
 * first: the trips, not the planning, were the cost (docs/sync-performance-notebook.md, item 44).
 * Parameters are sent as text, typed by the statement's casts ($1::text[]); it waits, as
 * `query` does, for any open transaction (Prisma's included), so nothing interleaves. An error
 * is PGlite's DatabaseError, with PostgreSQL's code, and the Sync in the same message leaves the
 * connection ready for the next statement.
 */
function oneTripSql(pglite: PGlite): Sql {
	const { serialize } = protocol
	const asText = (value: unknown): string | null => {
		if (value === null || value === undefined) return null
		if (typeof value === 'string') return value
		if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
		if (Array.isArray(value)) {
			const bytes = value.some((item) => item instanceof Uint8Array)
			return pglite.serializers[bytes ? BYTEA_ARRAY_OID : TEXT_ARRAY_OID]!(value)
		}
		if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
		throw new TypeError(`A parameter of type ${typeof value} has no text form here`)
	}
	return async (text, params) => {
		await pglite._checkReady() // "PGlite is closed", as `query` says, rather than a torn-down module's error
		return pglite._runExclusiveTransaction(() =>
			pglite._runExclusiveQuery(async () => {
				const parts = [
					serialize.parse({ text }),
					serialize.bind({ values: params.map(asText) }),
					serialize.describe({ type: 'P' }),
					serialize.execute({}),
					serialize.sync(),
				]
				const message = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
				let offset = 0
				for (const part of parts) {
					message.set(part, offset)
					offset += part.byteLength
				}
				const messages = await pglite.execProtocolStream(message, { syncToFs: true })
				const [result] = pgliteParse.parseResults(messages, pglite.parsers)
				return { rows: (result?.rows ?? []) as Record<string, unknown>[] }
			}),
		)
	}
}

const TEXT_ARRAY_OID = 1009
const BYTEA_ARRAY_OID = 1001
