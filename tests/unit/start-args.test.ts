import { describe, expect, test } from 'vitest'
import { startNodeArgs } from '#tests/setup/start-args.ts'

describe('npm start', () => {
	test('gives the tests and the benchmark its Node flags: the TypeScript loader and a young generation sized for the sync server', () => {
		const args = startNodeArgs()
		expect(args.join(' ')).toContain('--import tsx')
		// ADR 006; measured in docs/sync-performance-notebook.md, item 36.
		expect(args.some((a) => /^--max-semi-space-size=\d+$/.test(a))).toBe(true)
	})
})
