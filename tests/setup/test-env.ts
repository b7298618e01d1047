import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { init } from '#app/utils/env.server.ts'

/** A temporary folder removed by the returned function. */
export function tempDir(prefix = 'accord-test-'): { dir: string; remove: () => void } {
	const dir = mkdtempSync(path.join(tmpdir(), prefix))
	return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Initialises the environment for in-process tests (fixed secret, no demo seeding). */
export function initTestEnv(overrides: Record<string, string> = {}) {
	return init({
		NODE_ENV: 'test',
		DATA_DIR: path.join(tmpdir(), 'accord-test-env'),
		SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
		SEED_DEMO: 'false',
		LOG_LEVEL: 'silent',
		...overrides,
	})
}

export const quietLogger = { info() {}, warn() {}, error() {} }
