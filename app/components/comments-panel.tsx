import type { Editor } from '@tiptap/react'
import { useEditorState } from '@tiptap/react'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useFetcher } from 'react-router'
import type * as Y from 'yjs'
import { createAnchor, decodeAnchor, encodeAnchor, resolveAnchor } from '#app/domain/anchors.ts'
import { awaitsAnswer, MAX_COMMENT_LENGTH, POSITION_KINDS, POSITION_LABELS, type PositionKind } from '#app/domain/comments.ts'
import { numberBlocks, paragraphNames, parseParagraphKind, readBlocks, REF_CHAR } from '#app/domain/statement.ts'
import type { PreambleStyle } from '#app/domain/negotiation.ts'
import { LocalTime } from './negotiation-panel.tsx'

export type ThreadRecord = {
	id: string
	paragraphId: string
	anchor: { start: string; end: string }
	quote: string
	status: 'OPEN' | 'RESOLVED'
	createdAt: string | Date
	delegation: { id: string; code: string }
	author: { name: string }
	resolvedBy: { name: string } | null
	comments: {
		id: string
		body: string
		createdAt: string | Date
		author: { name: string }
		delegation: { id: string; code: string }
		mentions: { delegation: { id: string; code: string } }[]
	}[]
}

type Me = { delegationId: string; delegationCode: string; moderator: boolean; canPosition: boolean }
type StatusFilter = 'all' | 'open' | 'resolved' | 'orphaned' | 'awaiting'

/**
 * Comment threads beside the text: on selected words, live for everyone, with delegation, author
 * and time in the reader's zone; anchored with Yjs relative positions, so a thread follows its
 * words and says so when they are gone (orphaned, with the words it was about).
 */
export function CommentsPanel({
	editor,
	doc,
	slug,
	threads,
	seenAt,
	me,
	preamble,
	myPositions,
	synced,
	final = false,
}: {
	editor: Editor | null
	/** The text is adopted: threads are read, no longer written (the server refuses too). */
	final?: boolean
	doc: Y.Doc | null
	/** The page has the real text (before that, no anchor can be judged orphaned). */
	synced: boolean
	slug: string
	threads: ThreadRecord[]
	seenAt: string | Date | null
	me: Me
	preamble: PreambleStyle
	myPositions: { paragraphId: string; kind: PositionKind; note: string }[]
}) {
	const state = useEditorState({
		editor,
		selector: ({ editor: e }) => {
			if (!e) return null
			const blocks: { id: string; type: string; kind: ReturnType<typeof parseParagraphKind> }[] = []
			const positions: number[] = []
			e.state.doc.forEach((node, offset) => {
				blocks.push({ id: String(node.attrs.id ?? ''), type: node.type.name, kind: parseParagraphKind(node.attrs.kind) })
				positions.push(offset)
			})
			const names = paragraphNames(numberBlocks(blocks, preamble))
			const { from, to } = e.state.selection
			const index = e.state.doc.resolve(from).index(0)
			const current = blocks[index] ?? null
			let selection: { paragraphId: string; start: number; end: number; text: string } | null = null
			if (current?.type === 'paragraph' && from !== to && e.state.doc.resolve(to).index(0) === index) {
				const base = positions[index]! + 1
				selection = { paragraphId: current.id, start: from - base, end: to - base, text: e.state.doc.textBetween(from, to, undefined, REF_CHAR) }
			}
			return { names: JSON.stringify([...names]), current, selection, version: e.state.doc }
		},
		equalityFn: (a, b) =>
			a === b ||
			(a !== null && b !== null && a.version === b.version && a.names === b.names && a.current?.id === b.current?.id && a.current?.kind === b.current?.kind && JSON.stringify(a.selection) === JSON.stringify(b.selection)),
	})
	const names = useMemo(() => new Map<string, string>(state ? (JSON.parse(state.names) as [string, string][]) : []), [state?.names])
	const fetcher = useFetcher<{ ok: boolean; error: string | null }>()
	const action = `/documents/${slug}/comments`
	const submit = (fields: Record<string, string>) => fetcher.submit(fields, { method: 'POST', action })
	const busy = fetcher.state !== 'idle'
	const error = fetcher.state === 'idle' && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null
	const [draft, setDraft] = useState('')
	// A draft is cleared once the server took it, never before (a refusal keeps the words).
	const clearOnSuccess = useRef<(() => void) | null>(null)
	useEffect(() => {
		if (fetcher.state !== 'idle' || !fetcher.data) return
		if (fetcher.data.ok) clearOnSuccess.current?.()
		clearOnSuccess.current = null
	}, [fetcher.state, fetcher.data])
	const [status, setStatus] = useState<StatusFilter>('all')
	const [delegation, setDelegation] = useState('')
	const [paragraph, setParagraph] = useState('')

	const seen = seenAt ? new Date(seenAt).getTime() : 0
	const version = state?.version
	// Anchors are re-read when the text changes, not on every caret move.
	const resolved = useMemo(() => {
		const blocks = doc && synced ? readBlocks(doc) : []
		return threads.map((t) => {
			const anchor = doc ? decodeAnchor(t.anchor) : null
			let place = doc && anchor && synced ? resolveAnchor(doc, anchor) : null
			let moved = false
			// The editor rewrites a paragraph's text on some edits (a split, a reference): the words
			// are then new Yjs items. Words still there once, in the paragraph or the text, are found.
			if (!place && synced) {
				const candidates = [blocks.filter((b) => b.id === t.paragraphId), blocks].map((list) =>
					list.flatMap((b) => {
						const hits: { paragraphId: string; start: number; end: number; text: string }[] = []
						for (let i = b.text.indexOf(t.quote); i >= 0; i = b.text.indexOf(t.quote, i + 1)) hits.push({ paragraphId: b.id, start: i, end: i + t.quote.length, text: t.quote })
						return hits
					}),
				)
				const found = candidates.find((hits) => hits.length === 1)?.[0] ?? null
				if (found) {
					place = found
					moved = true
				}
			}
			const fresh = t.comments.filter((c) => c.delegation.id !== me.delegationId && new Date(c.createdAt).getTime() > seen).length
			const awaiting = awaitsAnswer(
				me.delegationId,
				t.comments.map((c) => ({ delegationId: c.delegation.id, createdAt: c.createdAt, mentions: c.mentions.map((m) => m.delegation.id) })),
			)
			return { thread: t, place, moved, orphaned: synced && doc !== null && place === null, fresh, awaiting }
		})
		// eslint-disable-next-line react-hooks/exhaustive-deps -- `version` stands for the text
	}, [threads, doc, synced, version, seen, me.delegationId])
	const delegations = [...new Set(threads.map((t) => t.delegation.code))].sort()
	const shown = resolved.filter(({ thread, orphaned, awaiting, place }) => {
		if (delegation && thread.delegation.code !== delegation) return false
		if (paragraph && (place?.paragraphId ?? thread.paragraphId) !== paragraph) return false
		if (status === 'open') return thread.status === 'OPEN' && !orphaned
		if (status === 'resolved') return thread.status === 'RESOLVED'
		if (status === 'orphaned') return orphaned
		if (status === 'awaiting') return awaiting && thread.status === 'OPEN' && !orphaned
		return true
	})
	const newCount = resolved.reduce((n, r) => n + r.fresh, 0)
	const awaitingCount = resolved.filter((r) => r.awaiting && r.thread.status === 'OPEN' && !r.orphaned).length
	const newest = threads.flatMap((t) => t.comments.map((c) => new Date(c.createdAt).getTime())).reduce((a, b) => Math.max(a, b), 0)
	const selection = state?.selection ?? null
	const current = state?.current ?? null
	const myPosition = current ? myPositions.find((p) => p.paragraphId === current.id) : undefined

	const show = (place: { paragraphId: string; start: number; end: number } | null) => {
		if (!editor || !place) return
		let base: number | null = null
		editor.state.doc.forEach((node, offset) => {
			if (node.attrs.id === place.paragraphId) base = offset + 1
		})
		if (base === null) return
		editor.chain().focus().setTextSelection({ from: base + place.start, to: base + place.end }).scrollIntoView().run()
	}

	return (
		<div className="space-y-4 text-sm">
			{me.canPosition && !final && current?.type === 'paragraph' && current.kind === 'operative' ? (
				<PositionForm key={`${current.id}:${myPosition?.kind ?? ''}`} paragraphId={current.id} name={names.get(current.id) ?? ''} position={myPosition} submit={submit} busy={busy} code={me.delegationCode} />
			) : null}

			{final ? (
				<p className="rounded-lg border border-gray-200 bg-white p-4 text-gray-700" data-testid="comments-closed">
					The text is adopted: comments are closed. The threads stay here to be read, as they were at adoption.
				</p>
			) : (
				<section aria-labelledby="new-comment" className="rounded-lg border border-gray-200 bg-white p-4">
					<h2 id="new-comment" className="text-xs font-semibold tracking-wide text-gray-500 uppercase">New comment</h2>
					{selection ? (
						<form
							className="mt-2 space-y-1.5"
							onSubmit={(event) => {
								event.preventDefault()
								if (!doc) return
								const anchor = createAnchor(doc, selection.paragraphId, selection.start, selection.end)
								if (!anchor) return
								const encoded = encodeAnchor(anchor)
								clearOnSuccess.current = () => setDraft('')
								submit({ intent: 'thread', paragraphId: selection.paragraphId, quote: selection.text, anchorStart: encoded.start, anchorEnd: encoded.end, body: draft })
							}}
						>
							<p className="text-xs text-gray-600">
								On “<span className="font-serif">{clip(selection.text)}</span>” in {names.get(selection.paragraphId)}, for {me.delegationCode}
							</p>
							<label htmlFor="comment-body" className="sr-only">Comment</label>
							<textarea
								id="comment-body"
								className="w-full rounded border border-gray-300 p-1.5"
								rows={3}
								maxLength={MAX_COMMENT_LENGTH}
								placeholder="Your comment; @THA asks Thailand for an answer"
								value={draft}
								onChange={(e) => setDraft(e.target.value)}
							/>
							<button type="submit" disabled={busy || draft.trim() === ''} className="rounded bg-accord-700 px-2.5 py-1 font-medium text-white hover:bg-accord-800 disabled:opacity-50">
								Comment
							</button>
						</form>
					) : (
						<p className="mt-1 text-gray-500">Select words in the text to comment on them.</p>
					)}
					{error ? <p role="alert" className="mt-2 rounded bg-red-50 px-2 py-1 text-red-800">{error}</p> : null}
				</section>
			)}

			<section aria-labelledby="threads-heading" className="rounded-lg border border-gray-200 bg-white p-4">
				<div className="flex items-center justify-between gap-2">
					<h2 id="threads-heading" className="text-xs font-semibold tracking-wide text-gray-500 uppercase">
						Threads ({threads.length})
					</h2>
					{newCount > 0 ? (
						<button type="button" className="text-xs text-accord-700 underline" onClick={() => submit({ intent: 'read', upTo: new Date(newest).toISOString() })} data-testid="mark-read">
							{newCount} new · mark all read
						</button>
					) : null}
				</div>
				<div className="mt-2 grid grid-cols-3 gap-1.5" role="group" aria-label="Filter threads">
					<select aria-label="Status" className="rounded border border-gray-300 px-1 py-0.5 text-xs" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
						<option value="all">All</option>
						<option value="open">Open</option>
						<option value="resolved">Resolved</option>
						<option value="orphaned">Orphaned</option>
						<option value="awaiting">Awaiting {me.delegationCode} ({awaitingCount})</option>
					</select>
					<select aria-label="Delegation" className="rounded border border-gray-300 px-1 py-0.5 text-xs" value={delegation} onChange={(e) => setDelegation(e.target.value)}>
						<option value="">Any delegation</option>
						{delegations.map((d) => <option key={d} value={d}>{d}</option>)}
					</select>
					<select aria-label="Paragraph" className="rounded border border-gray-300 px-1 py-0.5 text-xs" value={paragraph} onChange={(e) => setParagraph(e.target.value)}>
						<option value="">Any paragraph</option>
						{[...names].map(([id, name]) => <option key={id} value={id}>{name}</option>)}
					</select>
				</div>
				{shown.length === 0 ? (
					<p className="mt-3 text-gray-500">{threads.length === 0 ? 'No comments yet.' : 'No thread matches these filters.'}</p>
				) : (
					<ul className="mt-3 max-h-[32rem] space-y-3 overflow-y-auto">
						{shown.map(({ thread, place, orphaned, fresh, moved }) => (
							<ThreadItem
								key={thread.id}
								thread={thread}
								// An adopted text replaced the live one: its words are new, that is no news.
								moved={moved && !final}
								where={orphaned ? null : (names.get(place?.paragraphId ?? thread.paragraphId) ?? '')}
								orphaned={orphaned}
								fresh={fresh}
								seen={seen}
								me={me}
								final={final}
								busy={busy}
								submit={(fields, onSuccess) => {
									clearOnSuccess.current = onSuccess ?? null
									submit(fields)
								}}
								onShow={() => show(place)}
							/>
						))}
					</ul>
				)}
			</section>
		</div>
	)
}

function ThreadItem({
	thread,
	moved,
	where,
	orphaned,
	fresh,
	seen,
	me,
	final,
	busy,
	submit,
	onShow,
}: {
	thread: ThreadRecord
	moved: boolean
	where: string | null
	orphaned: boolean
	fresh: number
	seen: number
	me: Me
	final: boolean
	busy: boolean
	submit: (fields: Record<string, string>, onSuccess?: () => void) => void
	onShow: () => void
}) {
	const [answer, setAnswer] = useState('')
	const mayResolve = me.moderator || me.delegationId === thread.delegation.id
	return (
		<li id={`thread-${thread.id}`} className={`rounded-md border p-2.5 ${orphaned ? 'border-dashed border-gray-400 bg-gray-50' : thread.status === 'RESOLVED' ? 'border-gray-200 opacity-75' : 'border-gray-200'}`} data-testid="thread" data-status={orphaned ? 'orphaned' : thread.status.toLowerCase()}>
			<p className="flex flex-wrap items-center gap-1.5 text-xs">
				<span className="rounded bg-gray-100 px-1 font-bold text-gray-800">{thread.delegation.code}</span>
				{where ? <button type="button" className="text-accord-700 underline" onClick={onShow}>{where}</button> : null}
				{orphaned ? <span className="rounded bg-gray-200 px-1 font-semibold text-gray-700">Orphaned: its words were deleted</span> : null}
				{moved ? <span className="rounded bg-sky-100 px-1 text-sky-900">its words were rewritten; found them</span> : null}
				{thread.status === 'RESOLVED' ? <span className="rounded bg-green-100 px-1 font-semibold text-green-900">Resolved{thread.resolvedBy ? ` by ${thread.resolvedBy.name}` : ''}</span> : null}
				{fresh > 0 ? <span className="rounded bg-accord-700 px-1 font-semibold text-white">{fresh} new</span> : null}
			</p>
			<blockquote className="mt-1 border-l-2 border-gray-300 pl-2 font-serif text-gray-700">“{clip(thread.quote, 140)}”</blockquote>
			<ol className="mt-1.5 space-y-1.5">
				{thread.comments.map((c) => (
					<li key={c.id} className={new Date(c.createdAt).getTime() > seen && c.delegation.id !== me.delegationId ? 'rounded bg-accord-50 px-1' : ''}>
						<p className="text-xs text-gray-500">
							<span className="font-semibold text-gray-800">{c.author.name}</span> ({c.delegation.code}) · <LocalTime value={c.createdAt} />
						</p>
						<p className="whitespace-pre-wrap break-words text-gray-900">{c.body}</p>
					</li>
				))}
			</ol>
			{final ? null : (
				<form
					className="mt-1.5 flex gap-1.5"
					onSubmit={(event) => {
						event.preventDefault()
						submit({ intent: 'reply', threadId: thread.id, body: answer }, () => setAnswer(''))
					}}
				>
					<label htmlFor={`reply-${thread.id}`} className="sr-only">Reply</label>
					<input id={`reply-${thread.id}`} className="min-w-0 flex-1 rounded border border-gray-300 px-1.5 py-0.5" placeholder="Reply" maxLength={MAX_COMMENT_LENGTH} value={answer} onChange={(e) => setAnswer(e.target.value)} />
					<button type="submit" disabled={busy || answer.trim() === ''} className="rounded border border-gray-300 px-2 py-0.5 text-xs font-medium disabled:opacity-50">Reply</button>
					{mayResolve ? (
						<button
							type="button"
							disabled={busy}
							className="rounded border border-gray-300 px-2 py-0.5 text-xs font-medium disabled:opacity-50"
							onClick={() => submit({ intent: 'status', threadId: thread.id, status: thread.status === 'OPEN' ? 'RESOLVED' : 'OPEN' })}
						>
							{thread.status === 'OPEN' ? 'Resolve' : 'Reopen'}
						</button>
					) : null}
				</form>
			)}
		</li>
	)
}

/** A member state's position on the operative paragraph at the cursor. */
function PositionForm({
	paragraphId,
	name,
	position,
	submit,
	busy,
	code,
}: {
	paragraphId: string
	name: string
	position: { kind: PositionKind; note: string } | undefined
	submit: (fields: Record<string, string>) => void
	busy: boolean
	code: string
}) {
	const [kind, setKind] = useState<PositionKind | ''>(position?.kind ?? '')
	const [note, setNote] = useState(position?.note ?? '')
	const needsNote = kind === 'RESERVATION' || kind === 'OBJECT'
	return (
		<section aria-labelledby="position-heading" className="rounded-lg border border-gray-200 bg-white p-4">
			<h2 id="position-heading" className="text-xs font-semibold tracking-wide text-gray-500 uppercase">
				{code}’s position on {name}
			</h2>
			<form
				className="mt-2 space-y-1.5"
				onSubmit={(event) => {
					event.preventDefault()
					if (kind || position) submit({ intent: 'position', paragraphId, kind: kind || 'SILENT', note })
				}}
			>
				<label htmlFor="position-kind" className="sr-only">Position</label>
				<select id="position-kind" className="w-full rounded border border-gray-300 px-1.5 py-1" value={kind} onChange={(e) => setKind(e.target.value as PositionKind)}>
					<option value="">Silent (no position)</option>
					{POSITION_KINDS.map((k) => <option key={k} value={k}>{POSITION_LABELS[k]}</option>)}
				</select>
				{kind ? (
					<>
						<label htmlFor="position-note" className="block text-xs text-gray-600">
							{kind === 'RESERVATION' ? 'Text of the reservation' : kind === 'OBJECT' ? 'Reason for the objection' : 'Note (optional)'}
						</label>
						<textarea id="position-note" className="w-full rounded border border-gray-300 p-1.5" rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} required={needsNote} />
					</>
				) : null}
				<button
					type="submit"
					disabled={busy || (!kind && !position) || (needsNote && note.trim() === '')}
					className="rounded bg-accord-700 px-2.5 py-1 font-medium text-white hover:bg-accord-800 disabled:opacity-50"
				>
					{!kind && position ? 'Withdraw position (silent)' : position ? 'Update position' : 'Record position'}
				</button>
			</form>
		</section>
	)
}

function clip(text: string, max = 80): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
