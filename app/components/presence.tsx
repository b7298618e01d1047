import { useEffect, useState } from 'react'
import type { SyncSession } from '#app/collab/use-sync.ts'

type Present = { key: string; name: string; delegation: string; color: string; readOnly: boolean; isSelf: boolean }

/** Everyone in the document now: name, delegation code, the delegation's colour. */
export function PresenceList({ session }: { session: SyncSession | null }) {
	const [people, setPeople] = useState<Present[]>([])
	useEffect(() => {
		if (!session) return
		const { awareness } = session.provider
		const read = () => {
			const byPerson = new Map<string, Present>()
			for (const [clientId, state] of awareness.getStates()) {
				const user = (state as { user?: Record<string, unknown> }).user
				if (!user || typeof user.name !== 'string') continue
				const delegation = typeof user.delegation === 'string' ? user.delegation : ''
				const key = `${delegation}:${user.name}`
				const isSelf = clientId === awareness.clientID
				const existing = byPerson.get(key)
				byPerson.set(key, {
					key,
					name: user.name,
					delegation,
					color: typeof user.color === 'string' ? user.color : '#374151',
					readOnly: user.readOnly === true,
					isSelf: isSelf || (existing?.isSelf ?? false),
				})
			}
			setPeople([...byPerson.values()].sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.delegation.localeCompare(b.delegation) || a.name.localeCompare(b.name)))
		}
		read()
		awareness.on('change', read)
		return () => awareness.off('change', read)
	}, [session])

	return (
		<section aria-labelledby="presence-heading" className="rounded-lg border border-gray-200 bg-white p-4">
			<h2 id="presence-heading" className="text-sm font-semibold tracking-wide text-gray-600 uppercase">
				In this document ({people.length})
			</h2>
			{people.length === 0 ? (
				<p className="mt-2 text-sm text-gray-500">Connecting…</p>
			) : (
				<ul className="mt-2 space-y-1.5" data-testid="presence-list">
					{people.map((p) => (
						<li key={p.key} className="flex items-center gap-2 text-sm">
							<span aria-hidden className="inline-block h-3 w-3 shrink-0 rounded-full" style={{ backgroundColor: p.color }} />
							<span className="font-mono text-xs font-bold" style={{ color: p.color }}>{p.delegation}</span>
							<span className="truncate">{p.name}</span>
							{p.isSelf ? <span className="text-xs text-gray-500">(you)</span> : null}
							{p.readOnly ? <span className="text-xs text-gray-500">· following</span> : null}
						</li>
					))}
				</ul>
			)}
		</section>
	)
}
