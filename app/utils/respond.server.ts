import { data } from 'react-router'
import type { Result } from '#app/domain/result.ts'

/**
 * An action's answer to the page's fetcher, from a model's Result: `{ ok: true, error: null, … }`,
 * or `{ ok: false, error }` with the refusal's status. One shape for every action.
 */
export function respond<T extends object>(result: Result<T>) {
	if (!result.ok) return data({ ok: false as const, error: result.message }, { status: result.status })
	return data({ ...result, ok: true as const, error: null })
}
