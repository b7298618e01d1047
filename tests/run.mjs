// Runs vitest and ends the output with the line CI reads: `N passed, N failed`.
// Extra arguments go to vitest (e.g. `--project unit`, a file filter).
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = path.join(root, 'tests/output')
const report = path.join(out, 'vitest-results.json')
mkdirSync(out, { recursive: true })
rmSync(report, { force: true })

const child = spawn(
	process.execPath,
	[
		path.join(root, 'node_modules/vitest/vitest.mjs'),
		'run',
		'--config',
		'tests/vitest.config.ts',
		'--reporter=default',
		'--reporter=json',
		`--outputFile.json=${report}`,
		...process.argv.slice(2),
	],
	{ cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
)
child.on('exit', (code, signal) => {
	let passed = 0
	let failed = 0
	let skipped = 0
	try {
		const results = JSON.parse(readFileSync(report, 'utf8'))
		passed = results.numPassedTests ?? 0
		failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0)
		skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0)
		if ((code ?? 1) !== 0 && failed === 0) failed = 1 // a suite that failed to load, or an unhandled error
	} catch {
		failed = Math.max(failed, 1)
	}
	console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
	process.exit(code ?? (signal ? 1 : 0))
})
