import { afterEach, beforeEach, vi } from 'vitest'

// An unexpected console.error fails the test: code that logs an error on purpose takes a logger.
let errors: unknown[][] = []
beforeEach(() => {
	errors = []
	vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
		errors.push(args)
	})
})
afterEach(() => {
	vi.restoreAllMocks()
	if (errors.length > 0) {
		const first = errors[0]!.map((a) => (a instanceof Error ? a.stack : String(a))).join(' ')
		throw new Error(`console.error was called ${errors.length}×: ${first}`)
	}
})
