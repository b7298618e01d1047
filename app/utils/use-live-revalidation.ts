import { useEffect, useRef, useState } from 'react'
import { useRevalidator } from 'react-router'

/** What the page can say about its updates: live, (re)connecting, or refreshing itself on a timer. */
export type LiveState = 'connecting' | 'live' | 'polling'

/** While the event stream is open: a slow refresh all the same, for what sends no notice (new paragraphs). */
const LIVE_REFRESH_MS = 30_000
/** Without it (refused, or the network is down): refresh this often, as these pages did before. */
const FALLBACK_REFRESH_MS = 10_000
/** A refused stream (a restart behind a proxy, the server's cap) is asked for again this often. */
const RETRY_REFUSED_MS = 60_000
/** A refetch that has not finished in this long (a silent network) no longer holds back the next. */
const STUCK_REFRESH_MS = 15_000

/**
 * Keeps a page without a sync socket (the positions matrix, the revisions board) current: it
 * listens to the document's notices (`/documents/<slug>/events`) and refetches its loader on
 * each, at once; after a dropped stream comes back it refetches once for what it missed. If the
 * stream cannot be had, it refetches every 10 s while the page is visible, and asks for the
 * stream again every minute.
 */
export function useLiveRevalidation(slug: string): LiveState {
	const revalidator = useRevalidator()
	const revalidate = useRef(revalidator.revalidate)
	revalidate.current = revalidator.revalidate
	const [state, setState] = useState<LiveState>('connecting')

	useEffect(() => {
		let current: LiveState = 'connecting'
		const set = (next: LiveState) => {
			current = next
			setState(next)
		}
		// Notices in a burst (ten member states answering) make one refetch, then one more if any
		// came during it. A refetch that hangs is given up on after STUCK_REFRESH_MS: the next one
		// replaces it (React Router cancels the load in flight).
		let running: { since: number } | null = null
		let again = false
		let last = Date.now()
		const refresh = () => {
			last = Date.now()
			if (running && last - running.since < STUCK_REFRESH_MS) {
				again = true
				return
			}
			const mine = { since: last }
			running = mine
			again = false
			void Promise.resolve(revalidate.current()).finally(() => {
				if (running !== mine) return
				running = null
				if (again) refresh()
			})
		}
		// Only a visible page holds a stream: a browser allows six HTTP connections to a server, shared
		// by all its tabs, and hidden tabs must not take them. A page shown again catches up at once.
		let source: EventSource | null = null
		let refusedAt = 0
		const listen = (catchUp: boolean) => {
			if (source || typeof EventSource !== 'function') return
			const own = new EventSource(`/documents/${encodeURIComponent(slug)}/events`)
			source = own
			let opened = false
			own.onopen = () => {
				if (catchUp || opened) refresh()
				opened = true
				set('live')
			}
			own.onmessage = () => refresh()
			own.onerror = () => {
				// After a network error EventSource retries by itself (CONNECTING); a refusal closes it.
				if (own.readyState !== EventSource.CLOSED) return set(opened ? 'connecting' : current)
				if (source === own) source = null
				refusedAt = Date.now()
				set('polling')
			}
		}
		const stop = () => {
			source?.close()
			source = null
		}
		if (typeof EventSource !== 'function') set('polling')
		else if (document.visibilityState === 'visible') listen(false)
		const timer = setInterval(() => {
			if (document.visibilityState !== 'visible') return
			if (current === 'polling' && typeof EventSource === 'function' && Date.now() - refusedAt >= RETRY_REFUSED_MS) listen(true)
			const due = current === 'live' ? LIVE_REFRESH_MS : FALLBACK_REFRESH_MS
			if (Date.now() - last >= due) refresh()
		}, 1_000)
		const onVisibility = () => {
			if (document.visibilityState !== 'visible') {
				stop()
				if (current === 'live') set('connecting')
				return
			}
			if (current === 'polling') refresh()
			else listen(true)
		}
		document.addEventListener('visibilitychange', onVisibility)
		return () => {
			stop()
			clearInterval(timer)
			document.removeEventListener('visibilitychange', onVisibility)
		}
	}, [slug])
	return state
}
