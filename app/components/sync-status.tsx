import type { SyncStatus } from '#app/collab/use-sync.ts'

/**
 * The status line: says plainly whether the page is connected, and whether every change made
 * here is on the server's disk. Never claims "saved" before the server has said so.
 */
export function SyncStatusLine({ status, editable }: { status: SyncStatus; editable: boolean }) {
	const { label, detail, tone } = describe(status, editable)
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
			className={`flex items-center gap-2 rounded-md border px-3 py-1.5 text-sm ${tones[tone]}`}
		>
			<span aria-hidden className={`inline-block h-2.5 w-2.5 rounded-full ${dots[tone]}`} />
			<span className="font-semibold">{label}</span>
			{detail ? <span>· {detail}</span> : null}
		</div>
	)
}

function describe(status: SyncStatus, editable: boolean): { label: string; detail: string | null; tone: 'good' | 'busy' | 'warn' | 'bad' } {
	const pending = status.unsaved ? 'your latest changes are kept in this page and will be sent when the connection returns' : null
	switch (status.connection) {
		case 'stopped':
			return { label: 'Disconnected', detail: status.stoppedReason, tone: 'bad' }
		case 'offline':
			return { label: 'Offline', detail: pending ?? 'no network; the text will update when you are back online', tone: 'warn' }
		case 'reconnecting':
			return { label: 'Reconnecting…', detail: pending ?? (editable ? 'all your changes were saved' : null), tone: 'warn' }
		case 'connecting':
			return { label: 'Connecting…', detail: null, tone: 'busy' }
		case 'connected':
			if (!status.synced) return { label: 'Connected', detail: 'loading the latest text…', tone: 'busy' }
			if (status.unsaved) return { label: 'Connected', detail: 'saving…', tone: 'busy' }
			return { label: 'Connected', detail: editable ? 'all changes saved' : 'following live', tone: 'good' }
	}
}
