import { useEffect } from 'react'
import { useRevalidator } from 'react-router'

/**
 * Refetches the page's loader every `ms` while the page is visible: for pages without a sync
 * socket (the positions matrix, the revisions board) whose figures change during a session.
 */
export function useRevalidateEvery(ms: number) {
	const revalidator = useRevalidator()
	useEffect(() => {
		const timer = setInterval(() => {
			if (document.visibilityState === 'visible') void revalidator.revalidate()
		}, ms)
		return () => clearInterval(timer)
	}, [revalidator, ms])
}
