import { describe, expect, it } from 'vitest'
import { warmUpSync } from '#server/warmup.ts'

describe('the warm-up at boot', () => {
	it('runs the paths a change takes (build, guard, apply, merge, encode) in a plain and a negotiated document, and every change is accepted', () => {
		// A refused change would warm the refusal path instead of typing.
		expect(warmUpSync(5)).toEqual({ rounds: 5, refused: 0 })
	})
})
