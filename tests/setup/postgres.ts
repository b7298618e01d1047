import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

import { readdirSync } from 'node:fs'

/** Debian's newest installed PostgreSQL (15 on Debian 12), or PG_BIN. */
function postgresBin(): string {
	if (process.env.PG_BIN) return process.env.PG_BIN
	let versions: number[] = []
	try {
		versions = readdirSync('/usr/lib/postgresql').map(Number).filter(Number.isInteger).sort((a, b) => b - a)
	} catch {
		// not installed
	}
	return `/usr/lib/postgresql/${versions[0] ?? 15}/bin`
}
const BIN = postgresBin()

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer()
		server.once('error', reject)
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number }
			server.close(() => resolve(port))
		})
	})
}

/**
 * Starts a private PostgreSQL server from Debian's package on 127.0.0.1 and a free port,
 * with its own data folder, as the `postgres` user (initdb refuses root). `stop()` removes it.
 */
export async function startPostgres(): Promise<{ url: string; stop: () => void }> {
	if (!existsSync(path.join(BIN, 'initdb'))) {
		throw new Error(`PostgreSQL is not installed (${BIN}/initdb missing): apt-get install -y postgresql`)
	}
	const dir = mkdtempSync(path.join(tmpdir(), 'accord-pg-'))
	chmodSync(dir, 0o700)
	const asRoot = process.getuid?.() === 0
	const run = (file: string, args: string[]) =>
		asRoot
			? execFileSync('runuser', ['-u', 'postgres', '--', path.join(BIN, file), ...args], { stdio: 'pipe' })
			: execFileSync(path.join(BIN, file), args, { stdio: 'pipe' })
	if (asRoot) {
		const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
		const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
		chownSync(dir, uid, gid)
	}
	const data = path.join(dir, 'data')
	const port = await freePort()
	run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'])
	run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`, 'start'])
	run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'accord'])
	return {
		url: `postgresql://postgres@127.0.0.1:${port}/accord`,
		stop() {
			try {
				run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
			} finally {
				rmSync(dir, { recursive: true, force: true })
			}
		},
	}
}
