import { useEffect, useRef, useState } from 'react'
import { useRevalidator } from 'react-router'

/** What the page can say about its updates: live, (re)connecting, or refreshing itself on a timer. */
export type LiveState = 'connecting' | 'live' | 'polling'

/** While the event stream is open: a slow refresh all the same, for what sends no notice (new paragraphs). */
const LIVE_REFRESH_MS = 30_000
/** Without it (refused, or the network is down): refresh this often, as these pages did before. */
const FALLBACK_REFRESH_MS = 10_000

/**
 * Keeps a page without a sync socket (the positions matrix, the revisions board) current: it
 * listens to the document's notices (`/documents/<slug>/events`) and refetches its loader on
 * each, at once; after a dropped stream comes back it refetches once for what it missed. If the
 * stream cannot be had, it refetches every 10 s while the page is visible.
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
		// Notices in a burst (ten member states answering) make one refetch, then one more if any came during it.
		let running = false
		let again = false
		let last = Date.now()
		const refresh = () => {
			last = Date.now()
			if (running) {
				again = true
				return
			}
			running = true
			void Promise.resolve(revalidate.current()).finally(() => {
				running = false
				if (again) {
					again = false
					refresh()
				}
			})
		}
		// Only a visible page holds a stream: a browser allows six HTTP connections to a server, shared
		// by all its tabs, and hidden tabs must not take them. A page shown again catches up at once.
		let source: EventSource | null = null
		let everOpen = false
		const listen = () => {
			if (source || typeof EventSource !== 'function') return
			const own = new EventSource(`/documents/${encodeURIComponent(slug)}/events`)
			source = own
			own.onopen = () => {
				if (everOpen) refresh()
				everOpen = true
				set('live')
			}
			own.onmessage = () => refresh()
			// EventSource retries by itself after a network error (CONNECTING); a refusal closes it for good.
			own.onerror = () => set(own.readyState === EventSource.CLOSED ? 'polling' : everOpen ? 'connecting' : current)
		}
		const stop = () => {
			source?.close()
			source = null
		}
		if (typeof EventSource !== 'function') set('polling')
		else if (document.visibilityState === 'visible') listen()
		const timer = setInterval(() => {
			const due = current === 'live' ? LIVE_REFRESH_MS : FALLBACK_REFRESH_MS
			if (document.visibilityState === 'visible' && Date.now() - last >= due) refresh()
		}, 1_000)
		const onVisibility = () => {
			if (document.visibilityState !== 'visible') {
				stop()
				if (current === 'live') set('connecting')
				return
			}
			if (current === 'polling') return refresh()
			listen()
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
