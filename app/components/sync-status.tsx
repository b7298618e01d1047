import { useEffect, useState } from 'react'
import type { SyncStatus } from '#app/collab/use-sync.ts'

/** While connected, a save takes tens of milliseconds: say "Saving…" only if it takes longer. */
const SAVING_DISPLAY_DELAY_MS = 400

/**
 * The status line: says plainly whether the page is connected, and whether every change made
 * here is on the server's disk. Never claims "saved" before the server has said so.
 */
export function SyncStatusLine({ status, editable, onReconnect }: { status: SyncStatus; editable: boolean; onReconnect?: () => void }) {
	const [slowSave, setSlowSave] = useState(false)
	useEffect(() => {
		if (!status.unsaved) return setSlowSave(false)
		const timer = setTimeout(() => setSlowSave(true), SAVING_DISPLAY_DELAY_MS)
		return () => clearTimeout(timer)
	}, [status.unsaved])
	const shown = status.connection === 'connected' ? { ...status, unsaved: slowSave } : status
	const { label, detail, tone } = describe(shown, editable)
	const tones = {
		good: 'border-emerald-200 bg-emerald-50 text-emerald-900',
		busy: 'border-sky-200 bg-sky-50 text-sky-900',
		warn: 'border-amber-300 bg-amber-50 text-amber-950',
		bad: 'border-red-300 bg-red-50 text-red-900',
	} as const
	const dots = { good: 'bg-emerald-600', busy: 'bg-sky-600 animate-pulse', warn: 'bg-amber-500 animate-pulse', bad: 'bg-red-600' } as const
	return (
		<div
			role="status"
			aria-live="polite"
			data-testid="sync-status"
			data-connection={status.connection}
			data-unsaved={status.unsaved ? 'true' : 'false'}
			className={`rounded-md border px-3 py-2 text-sm ${tones[tone]}`}
		>
			<p className="flex items-center gap-2 font-semibold">
				<span aria-hidden className={`inline-block h-2.5 w-2.5 shrink-0 rounded-full ${dots[tone]}`} />
				{label}
			</p>
			<p className="mt-0.5 pl-[1.125rem] leading-snug">{detail}</p>
			{status.connection === 'stopped' ? (
				<div className="mt-2 pl-[1.125rem] leading-snug">
					{status.unsaved ? (
						<p className="font-semibold">Your latest changes are only in this page. Keep it open.</p>
					) : null}
					<p className="mt-1">
						<a href="/login" target="_blank" rel="noreferrer" className="underline">Log in again in a new tab</a>, then{' '}
						<button type="button" onClick={onReconnect} className="font-semibold underline">reconnect</button>.
					</p>
				</div>
			) : null}
		</div>
	)
}

function describe(status: SyncStatus, editable: boolean): { label: string; detail: string | null; tone: 'good' | 'busy' | 'warn' | 'bad' } {
	const pending = status.unsaved ? 'Your latest changes are kept in this page and will be sent when the connection returns.' : null
	switch (status.connection) {
		case 'stopped':
			return { label: 'Disconnected', detail: status.stoppedReason, tone: 'bad' }
		case 'offline':
			return { label: 'Offline', detail: pending ?? 'No network. The text updates when you are back online.', tone: 'warn' }
		case 'reconnecting':
			return { label: 'Reconnecting…', detail: pending ?? (editable ? 'All your changes were saved.' : 'The text updates when the connection returns.'), tone: 'warn' }
		case 'connecting':
			return { label: 'Connecting…', detail: 'Opening the live text.', tone: 'busy' }
		case 'connected':
			if (!status.synced) return { label: 'Connected', detail: 'Loading the latest text…', tone: 'busy' }
			if (status.unsaved) return { label: 'Connected', detail: 'Saving…', tone: 'busy' }
			return { label: 'Connected', detail: editable ? 'All changes saved.' : 'Following live (read only).', tone: 'good' }
	}
}
