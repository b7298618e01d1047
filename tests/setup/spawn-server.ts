import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { startNodeArgs } from './start-args.ts'

export const ROOT = path.resolve(import.meta.dirname, '../..')

export type SpawnedServer = {
	process: ChildProcess
	port: number
	baseUrl: string
	output: () => string
	/** SIGKILL: no shutdown hooks, no final flush. */
	kill9(): Promise<void>
	/** SIGTERM: the graceful path (flush, checkpoint, release the lock). */
	stop(): Promise<void>
}

/**
 * Starts the real Accord process (server/main.ts with `npm start`'s Node flags, production mode,
 * the built app) and waits until it listens. `port: 0` picks a free one; pass the same port
 * again to restart in place.
 */
export async function spawnServer({ dataDir, port = 0, env = {} }: { dataDir: string; port?: number; env?: Record<string, string> }): Promise<SpawnedServer> {
	const child = spawn(process.execPath, [...startNodeArgs(), path.join(ROOT, 'server/main.ts')], {
		cwd: ROOT,
		env: {
			...process.env,
			NODE_ENV: 'production',
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			DATABASE_URL: '', // never a developer's .env database
			LOG_LEVEL: 'warn',
			...env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	})
	let output = ''
	child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
	child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
	const actualPort = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 120_000)
		const onData = () => {
			const match = /Accord is running at http:\/\/[^:]+:(\d+)/.exec(output)
			if (match) {
				clearTimeout(timer)
				resolve(Number(match[1]))
			}
		}
		child.stdout!.on('data', onData)
		child.once('exit', (code) => {
			clearTimeout(timer)
			reject(new Error(`server exited with ${code} before listening:\n${output}`))
		})
	})
	return {
		process: child,
		port: actualPort,
		baseUrl: `http://127.0.0.1:${actualPort}`,
		output: () => output,
		async kill9() {
			child.kill('SIGKILL')
			await exited
		},
		async stop() {
			child.kill('SIGTERM')
			await exited
		},
	}
}

/** Logs in through the real login form; returns the session's Cookie header. */
export async function loginCookie(baseUrl: string, email: string, password = 'accord-demo'): Promise<string> {
	const response = await fetch(`${baseUrl}/login`, {
		method: 'POST',
		body: new URLSearchParams({ email, password, redirectTo: '/meetings' }),
		redirect: 'manual',
	})
	const setCookie = response.headers.get('set-cookie')
	if (response.status !== 302 || !setCookie) throw new Error(`login as ${email} failed: ${response.status}`)
	return setCookie.split(';')[0]!
}
