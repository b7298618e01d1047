/**
 * Accord's process: the web app (React Router) and the sync server on one HTTP server and one
 * port, over one database. `npm start` runs this; so do the end-to-end tests.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRequestHandler } from '@react-router/express'
import express from 'express'
import { setDb } from '#app/utils/db.server.ts'
import { init } from '#app/utils/env.server.ts'
import { setLiveDocuments } from '#app/utils/live-documents.server.ts'
import { syncPorts } from '#app/utils/sync-access.server.ts'
import { isDatabaseEmpty, seedDemo } from '#prisma/seed.ts'
import { DatabaseLockedError, openDatabase } from './database.ts'
import { clientAddress, refuseForeignChanges, securityHeaders, throttleLogins } from './http-guard.ts'
import { attachSyncServer } from './index.ts'
import { warmUpSync } from './warmup.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const BUILD_ENTRY = path.join(ROOT, 'build/server/index.js')
const VITE_CONFIG = path.join(ROOT, 'app/vite.config.ts')

// A .env file beside package.json is read if present (variables already set win).
const envFile = path.join(ROOT, '.env')
if (existsSync(envFile)) process.loadEnvFile(envFile)
const env = init()
const dev = env.NODE_ENV === 'development'
const quiet = env.LOG_LEVEL === 'silent'
const logger = {
	info: (...args: unknown[]) => env.LOG_LEVEL === 'info' && console.info(...args),
	warn: (...args: unknown[]) => (env.LOG_LEVEL === 'info' || env.LOG_LEVEL === 'warn') && console.warn(...args),
	error: (...args: unknown[]) => !quiet && console.error(...args),
}

if (!dev) ensureBuild()

let db: Awaited<ReturnType<typeof openDatabase>>
try {
	db = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL, logger })
} catch (error) {
	if (error instanceof DatabaseLockedError) {
		console.error(`Accord cannot start: ${error.message}`)
		process.exit(1)
	}
	throw error
}
setDb(db)
if (db.applied.length > 0) logger.info(`Applied migrations: ${db.applied.join(', ')}`)
if (env.SEED_DEMO === 'true' && (await isDatabaseEmpty(db.prisma))) {
	await seedDemo(db.prisma, { log: logger.info })
}

const app = express()
app.disable('x-powered-by')
// Vite's development client runs inline scripts: the policy is for what is served built.
const addressOf = (req: express.Request) => clientAddress(req, env.TRUST_PROXY === 'true')
app.use(securityHeaders({ csp: !dev, hsts: env.COOKIE_SECURE === 'true' }))
app.use(refuseForeignChanges(env.allowedOrigins))
app.use(throttleLogins(addressOf))
const httpServer = createServer(app)
const getLoadContext = (req: express.Request, res: express.Response) => ({
	clientAddress: addressOf(req),
	cspNonce: typeof res.locals.cspNonce === 'string' ? res.locals.cspNonce : undefined,
})

if (dev) {
	const vite = await import('vite').then((v) =>
		v.createServer({ configFile: VITE_CONFIG, server: { middlewareMode: true, hmr: { server: httpServer } } }),
	)
	app.use(vite.middlewares)
	app.use(async (req, res, next) => {
		try {
			const build = await vite.ssrLoadModule('virtual:react-router/server-build')
			return createRequestHandler({ build: build as never, mode: 'development', getLoadContext })(req, res, next)
		} catch (error) {
			if (error instanceof Error) vite.ssrFixStacktrace(error)
			next(error)
		}
	})
} else {
	const client = path.join(ROOT, 'build/client')
	app.use('/assets', express.static(path.join(client, 'assets'), { immutable: true, maxAge: '1y' }))
	app.use(express.static(client, { maxAge: '1h' }))
	const build = await import(pathToFileURL(BUILD_ENTRY).href)
	app.use(createRequestHandler({ build, mode: 'production', getLoadContext }))
}

const sync = attachSyncServer(httpServer, { ...syncPorts, allowedOrigins: env.allowedOrigins, logger, connectionBudgetScale: env.SYNC_CONNECTION_BUDGET })
// The web routes make their changes to live documents through these rooms.
setLiveDocuments(sync.rooms)
// Before the port opens: the first changes after a restart should not wait for the JIT, and
// the embedded database compiles its WebAssembly as it is first used (the first group-commit
// write after a start blocked the event loop for tens of milliseconds; reading the log first
// takes most of that away: docs/sync-performance-notebook.md, item 20). The log read reads
// nothing: no document has an empty id. Only a speed-up: a failure is logged, not fatal.
try {
	const { refused } = warmUpSync()
	if (refused > 0) logger.warn(`[warm-up] the guard refused ${refused} of the warm-up's changes: it warmed the wrong path`)
	if (db.kind === 'pglite') await syncPorts.persistence.load('')
} catch (error) {
	logger.warn('[warm-up] failed (the server starts anyway):', error)
}
// Calls a crash or a stop left undecided (consensus reached but not adopted, a silence deadline
// passed) are decided now from the record; the other silence procedures are scheduled.
const { resumeCalls, stopSilenceClock } = await import('#app/models/revisions.server.ts')
const resumed = await resumeCalls()
if (resumed > 0) logger.info(`[calls] ${resumed} open call(s) checked`)

// An address that cannot be opened (a port taken by another Accord or another program, or
// reserved; a HOST that is not this machine's or does not resolve) is one sentence saying what
// to do, not a stack trace. Only while opening it: later errors are not about the address.
const onListenError = (error: NodeJS.ErrnoException) => {
	const message = listenErrorMessage(error, env.HOST, env.PORT)
	if (!message) throw error
	console.error(`Accord cannot start: ${message}`)
	void shutdown('Address unavailable', 1)
}
httpServer.once('error', onListenError)
httpServer.listen(env.PORT, env.HOST, () => {
	httpServer.off('error', onListenError)
	const address = httpServer.address()
	const port = typeof address === 'object' && address ? address.port : env.PORT
	const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST
	console.info(`Accord is running at http://${host}:${port} (database: ${db.kind} ${db.location})`)
})

let stopping = false
async function shutdown(signal: string, code = 0) {
	if (stopping) return
	stopping = true
	logger.info(`${signal}: writing every open document and stopping…`)
	const force = setTimeout(() => {
		console.error('Shutdown took too long; exiting.')
		process.exit(1)
	}, 15_000)
	force.unref()
	httpServer.close()
	httpServer.closeAllConnections?.()
	try {
		stopSilenceClock()
		await sync.close()
		await db.close()
	} catch (error) {
		console.error('Error while stopping:', error)
		code = 1
	}
	process.exit(code)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('unhandledRejection', (reason) => logger.error('Unhandled rejection (kept running):', reason))
process.on('uncaughtException', (error) => {
	console.error('Uncaught exception:', error)
	void shutdown('uncaughtException', 1)
})

/** Builds the web app when there is no build, or when app/ changed since the last one. */
function ensureBuild() {
	const builtAt = existsSync(BUILD_ENTRY) ? statSync(BUILD_ENTRY).mtimeMs : 0
	if (builtAt > 0 && newestMtime(path.join(ROOT, 'app')) <= builtAt) return
	console.info(builtAt ? 'app/ changed since the last build: building…' : 'No build yet: building the web app…')
	const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@react-router/dev/bin.js'), 'build', ROOT, '--config', VITE_CONFIG], {
		cwd: ROOT,
		stdio: ['ignore', 'inherit', 'inherit'],
		env: { ...process.env, NODE_ENV: 'production' },
	})
	if (result.status !== 0) {
		console.error('The build failed; see above.')
		process.exit(1)
	}
}

function newestMtime(dir: string): number {
	let newest = 0
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name === 'generated') continue
		const full = path.join(dir, entry.name)
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs)
	}
	return newest
}

/** What to tell a person whose HOST and PORT cannot be listened on; null for other errors. */
function listenErrorMessage(error: NodeJS.ErrnoException, host: string, port: number): string | null {
	const nextPort = port > 0 && port < 65_535 ? port + 1 : 3000
	switch (error.code) {
		case 'EADDRINUSE':
			return `port ${port} on ${host} is already in use (another Accord, or another program). Stop that program, or set PORT to a free port (e.g. PORT=${nextPort} npm start).`
		case 'EACCES':
			return `port ${port} on ${host} may not be opened by this user: set PORT to a free port (e.g. PORT=3000 npm start).`
		case 'EADDRNOTAVAIL':
			return `HOST=${host} is not an address of this machine. Set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every network).`
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `HOST=${host} is not a name this machine can resolve. Set HOST to an address (127.0.0.1 for this machine only, 0.0.0.0 for every network).`
		default:
			return null
	}
}
