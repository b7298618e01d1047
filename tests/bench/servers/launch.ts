import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { terminate, track } from '../lib/children.ts'
import { ProcSampler } from '../lib/proc.ts'
import { startNodeArgs } from '../../setup/start-args.ts'
import type { SetupManifest, SetupSpec } from '../accord/manifest.ts'
import type { LogStats } from '../accord/db-stats.ts'

export const ROOT = path.resolve(import.meta.dirname, '../../..')
const BENCH = path.join(ROOT, 'tests/bench')
const PROBE = path.join(BENCH, 'servers/probe.mjs')

export type ServerKind = 'floor' | 'yws' | 'hocuspocus' | 'accord'

export const SERVER_LABELS: Record<ServerKind, string> = {
	floor: 'bare relay (floor)',
	yws: 'y-websocket 1.5.4',
	hocuspocus: 'Hocuspocus 3.4',
	accord: 'Accord',
}

/** Fixed so the generator can mint the tokens Accord verifies. */
export const BENCH_SESSION_SECRET = 'accord-benchmark-session-secret-0123456789'

export type MemoryReport = {
	rss: number
	heapUsed: number
	heapTotal: number
	external: number
	arrayBuffers: number
}

export type RunningServer = {
	kind: ServerKind
	port: number
	process: ChildProcess
	sampler: ProcSampler
	output(): string
	/** process.memoryUsage() inside the server, after a full GC (servers/probe.mjs). */
	memory(): Promise<MemoryReport>
	/** SIGTERM (Accord writes every open document), SIGKILL after 30 s. */
	stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the server to take). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer()
		server.unref()
		server.on('error', reject)
		server.listen(0, '127.0.0.1', () => {
			const address = server.address()
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
		})
	})
}

/** Resolves once something accepts TCP connections on the port; rejects if `child` exits first. */
async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 180_000) {
	const deadline = Date.now() + timeoutMs
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before listening:\n${output()}`)
		}
		const ok = await new Promise<boolean>((resolve) => {
			const socket = net.connect(port, '127.0.0.1')
			socket.once('connect', () => {
				socket.destroy()
				resolve(true)
			})
			socket.once('error', () => resolve(false))
		})
		if (ok) return
		await new Promise((r) => setTimeout(r, 100))
	}
	throw new Error(`server did not listen on ${port} within ${timeoutMs} ms:\n${output()}`)
}

/**
 * Starts one server as its own process on 127.0.0.1 and waits until it listens. Every server
 * runs with the memory probe preloaded and --expose-gc (for heap figures); nothing else differs
 * from how its users run it.
 */
export async function startServer(
	kind: ServerKind,
	options: { dataDir?: string; port?: number; connectionBudgetScale?: number } = {},
): Promise<RunningServer> {
	const port = options.port ?? (await freePort())
	const nodeArgs = ['--expose-gc']
	let script: string
	const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port) }
	delete env.NODE_OPTIONS
	switch (kind) {
		case 'floor':
			nodeArgs.push('--import', 'tsx')
			script = path.join(BENCH, 'servers/relay.ts')
			break
		case 'yws':
			// y-websocket 1.5.4's own server, plain CommonJS, in memory (no YPERSISTENCE).
			script = path.join(ROOT, 'node_modules/y-websocket-legacy/bin/server.js')
			break
		case 'hocuspocus':
			nodeArgs.push('--import', 'tsx')
			script = path.join(BENCH, 'servers/hocuspocus.ts')
			break
		case 'accord':
			if (!options.dataDir) throw new Error('Accord needs a data folder')
			// As `npm start` runs it: its Node flags (package.json), production build, embedded PGlite.
			nodeArgs.push(...startNodeArgs())
			script = path.join(ROOT, 'server/main.ts')
			Object.assign(env, {
				NODE_ENV: 'production',
				DATA_DIR: options.dataDir,
				SESSION_SECRET: BENCH_SESSION_SECRET,
				SEED_DEMO: 'false',
				LOG_LEVEL: 'warn',
				SYNC_CONNECTION_BUDGET: String(options.connectionBudgetScale ?? 1),
			})
			break
	}
	nodeArgs.push('--import', PROBE)
	// BENCH_SERVER_PROF=<dir>: CPU profiles of the servers; BENCH_SERVER_LOG=1: their output on
	// stderr (diagnostics, not for measured runs).
	// BENCH_NODE_ARGS="--flag …": extra Node flags for every server (experiments, not measured runs).
	if (process.env.BENCH_NODE_ARGS) nodeArgs.push(...process.env.BENCH_NODE_ARGS.split(/\s+/).filter(Boolean))
	if (process.env.BENCH_SERVER_PROF) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SERVER_PROF)
	const child = track(spawn(process.execPath, [...nodeArgs, script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' }))
	let output = ''
	const append = (d: Buffer) => {
		output += d.toString()
		if (process.env.BENCH_SERVER_LOG) process.stderr.write(d)
		// Keep the tail only: a noisy server must not grow the benchmark's memory.
		if (output.length > 200_000) output = output.slice(-100_000)
	}
	child.stdout!.on('data', append)
	child.stderr!.on('data', append)
	await waitForPort(port, child, () => output)
	const sampler = new ProcSampler(child.pid!).start()
	let probeId = 0
	return {
		kind,
		port,
		process: child,
		sampler,
		output: () => output,
		memory: () =>
			new Promise<MemoryReport>((resolve, reject) => {
				const id = ++probeId
				const timer = setTimeout(() => {
					child.off('message', onMessage)
					reject(new Error('memory probe did not answer'))
				}, 30_000)
				const onMessage = (message: { type?: string; id?: number; usage?: NodeJS.MemoryUsage }) => {
					if (message?.type !== 'memory' || message.id !== id || !message.usage) return
					clearTimeout(timer)
					child.off('message', onMessage)
					const u = message.usage
					resolve({ rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers })
				}
				child.on('message', onMessage)
				child.send({ type: 'memory', id })
			}),
		async stop() {
			sampler.stop()
			await terminate(child, 30_000)
		},
	}
}

/** Runs a tsx script of the benchmark to completion; returns its stdout. */
export function runTsx(script: string, args: string[], timeoutMs = 300_000): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = track(spawn(process.execPath, ['--import', 'tsx', path.join(BENCH, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }))
		let stdout = ''
		let stderr = ''
		child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
		child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
		child.on('exit', (code) => {
			clearTimeout(timer)
			if (code === 0) resolve(stdout)
			else reject(new Error(`${script} failed (${code}):\n${stderr}\n${stdout}`))
		})
	})
}

/**
 * A fresh data folder with the given documents and users, for one Accord run. The setup (PGlite
 * creation, migrations, rows) takes seconds, so the first run of a kind builds a template folder
 * (`templateKey`) and later runs copy it: a closed PGlite folder copies like a stopped PostgreSQL
 * data directory, and each run still starts on its own fresh copy.
 */
export async function prepareAccord(
	runDir: string,
	documents: SetupSpec['documents'],
	users: number,
	templateKey?: string,
): Promise<{ dataDir: string; manifest: SetupManifest }> {
	const dataDir = path.join(runDir, 'data')
	mkdirSync(runDir, { recursive: true })
	const template = templateKey ? path.join(path.dirname(runDir), `template-${templateKey}`) : null
	const build = async (dir: string, into: string) => {
		mkdirSync(dir, { recursive: true })
		const spec: SetupSpec = { dataDir: into, users, documents, manifestFile: path.join(dir, 'manifest.json') }
		const specFile = path.join(dir, 'setup.json')
		writeFileSync(specFile, JSON.stringify(spec))
		await runTsx('accord/setup.ts', [specFile])
		return JSON.parse(readFileSync(spec.manifestFile, 'utf8')) as SetupManifest
	}
	if (!template) return { dataDir, manifest: await build(runDir, dataDir) }
	if (!existsSync(path.join(template, 'manifest.json'))) await build(template, path.join(template, 'data'))
	cpSync(path.join(template, 'data'), dataDir, { recursive: true })
	return { dataDir, manifest: JSON.parse(readFileSync(path.join(template, 'manifest.json'), 'utf8')) as SetupManifest }
}

export async function accordLogStats(dataDir: string, slugs: string[]): Promise<LogStats> {
	return JSON.parse(await runTsx('accord/db-stats.ts', [dataDir, ...slugs])) as LogStats
}

export function randomRunId(): string {
	return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}
