import { readFileSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')

/**
 * The Node flags `npm start` gives Accord's process (package.json: `node <flags> server/main.ts`),
 * so that the tests and the benchmark start it exactly as its users do.
 */
export function startNodeArgs(): string[] {
	const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
	const words = pkg.scripts.start.trim().split(/\s+/)
	if (words[0] !== 'node' || words.at(-1) !== 'server/main.ts') {
		throw new Error(`package.json's start script should read "node <flags> server/main.ts", not "${pkg.scripts.start}"`)
	}
	return words.slice(1, -1)
}
