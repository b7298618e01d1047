import type { LiveState } from '#app/utils/use-live-revalidation.ts'

const TEXT: Record<LiveState, string> = {
	live: 'Live: changes appear as delegations act',
	connecting: 'Connecting for live updates…',
	polling: 'Not live: this page refreshes itself every 10 seconds',
}
const DOT: Record<LiveState, string> = { live: 'bg-green-600', connecting: 'bg-amber-500', polling: 'bg-gray-400' }

/** One line under a page's title that says honestly whether what it shows updates by itself. */
export function LiveIndicator({ state }: { state: LiveState }) {
	return (
		<p className="mt-1 inline-flex items-center gap-2 text-sm text-gray-600" data-testid="live-status" data-state={state} role="status">
			<span aria-hidden className={`inline-block h-2 w-2 rounded-full ${DOT[state]}`} />
			{TEXT[state]}
		</p>
	)
}
