import type { Editor } from '@tiptap/react'
import { useEditorState } from '@tiptap/react'
import { useEffect, useState } from 'react'
import { useFetcher } from 'react-router'
import {
	canBracket,
	canEditText,
	canModerate,
	isFrozen,
	parseParagraphStatus,
	PARAGRAPH_STATUS_LABELS,
	type NegotiationRole,
	type ParagraphStatus,
	type PreambleStyle,
} from '#app/domain/negotiation.ts'
import { BRACKET_MARK, numberBlocks, parseParagraphKind, REF_CHAR, type ParagraphKind } from '#app/domain/statement.ts'
import { DELETION_MARK, INSERTION_MARK } from '#app/domain/suggestions.ts'
import type { OpenParagraph } from '#app/domain/adoption.ts'
import { OpenItemsList } from './open-items.tsx'

type SuggestionItem = { id: string; kind: 'insert' | 'delete'; by: string; author: string; text: string }

/** A bracket's record as the document page's loader sends it. */
export type BracketRecord = {
	id: string
	paragraphId: string
	text: string
	status: 'OPEN' | 'RESOLVED'
	createdAt: string | Date
	owner: { id: string; code: string }
	createdBy: { name: string }
	alternatives: { id: string; number: number; text: string; delegation: { id: string; code: string }; author: { name: string } }[]
	supports: { target: string; delegation: { id: string; code: string } }[]
}

export type NegotiationEventRecord = {
	id: string
	kind: string
	paragraphId: string | null
	summary: string
	createdAt: string | Date
	user: { name: string }
	delegation: { code: string }
}

type Block = {
	id: string
	type: string
	kind: ParagraphKind
	status: ParagraphStatus
	label: string | null
	name: string
	brackets: { id: string; owner: string; text: string }[]
	suggestions: SuggestionItem[]
}

/** The blocks of the editor's document with their labels and brackets, and where the cursor is. */
function readEditor(editor: Editor, preamble: PreambleStyle) {
	const raw: Omit<Block, 'label' | 'name'>[] = []
	const positions: number[] = []
	editor.state.doc.forEach((node, offset) => {
		const brackets = new Map<string, { id: string; owner: string; text: string }>()
		const suggestions = new Map<string, SuggestionItem>()
		node.forEach((child) => {
			const suggestion = child.marks.find((m) => m.type.name === INSERTION_MARK || m.type.name === DELETION_MARK)
			if (suggestion?.attrs.id && child.text) {
				const id = String(suggestion.attrs.id)
				const existing = suggestions.get(id)
				if (existing) existing.text += child.text
				else
					suggestions.set(id, {
						id,
						kind: suggestion.type.name === INSERTION_MARK ? 'insert' : 'delete',
						by: String(suggestion.attrs.by ?? ''),
						author: String(suggestion.attrs.author ?? ''),
						text: child.text,
					})
			}
			const mark = child.marks.find((m) => m.type.name === BRACKET_MARK)
			if (!mark?.attrs.id || !child.text) return
			const id = String(mark.attrs.id)
			const existing = brackets.get(id)
			if (existing) existing.text += child.text
			else brackets.set(id, { id, owner: String(mark.attrs.owner ?? ''), text: child.text })
		})
		raw.push({
			id: String(node.attrs.id ?? ''),
			type: node.type.name,
			kind: parseParagraphKind(node.attrs.kind),
			status: parseParagraphStatus(node.attrs.status),
			brackets: [...brackets.values()],
			suggestions: [...suggestions.values()],
		})
		positions.push(offset)
	})
	const blocks: Block[] = numberBlocks(raw, preamble).map((b) => ({
		...b,
		name: b.type !== 'paragraph' ? 'Heading' : b.kind === 'operative' ? `OP ${b.number}` : b.label ? `PP ${b.label}` : 'PP',
	}))
	const { from, to } = editor.state.selection
	const $from = editor.state.doc.resolve(from)
	const index = $from.index(0)
	const current = blocks[index] ?? null
	let selection: { paragraphId: string; start: number; end: number; text: string } | null = null
	if (current && current.type === 'paragraph' && from !== to && editor.state.doc.resolve(to).index(0) === index) {
		const base = positions[index]! + 1
		selection = { paragraphId: current.id, start: from - base, end: to - base, text: editor.state.doc.textBetween(from, to, undefined, REF_CHAR) }
	}
	return { blocks, current, selection }
}

/**
 * Beside the text: the paragraph at the cursor (its status, and for the Chair the buttons that
 * change it), bracketing the selected words, the brackets that remain with their alternatives
 * and support, and the record of what was done. An adopted text (`final`) has nothing left to
 * negotiate: only what was open when it was called for approval, and the record.
 */
export function NegotiationPanel({
	editor,
	slug,
	role,
	myDelegationId,
	preamble,
	brackets,
	events,
	final = false,
	openAtAdoption = null,
}: {
	editor: Editor | null
	slug: string
	role: NegotiationRole
	myDelegationId: string
	preamble: PreambleStyle
	brackets: BracketRecord[]
	events: NegotiationEventRecord[]
	final?: boolean
	/** What was still open when the adopted text was called for approval (null: not recorded). */
	openAtAdoption?: OpenParagraph[] | null
}) {
	const state = useEditorState({
		editor,
		selector: ({ editor: e }) => (e ? readEditor(e, preamble) : null),
	})
	const fetcher = useFetcher<{ ok: boolean; error: string | null }>()
	const action = `/documents/${slug}/negotiation`
	const submit = (fields: Record<string, string | number>) => fetcher.submit(fields, { method: 'POST', action })
	const busy = fetcher.state !== 'idle'
	const error = fetcher.state === 'idle' && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null

	const blocks = state?.blocks ?? []
	const current = state?.current ?? null
	const selection = state?.selection ?? null
	// A bracket or suggestion split over two paragraphs is one: listed once, with all its words.
	const open = groupById(blocks.flatMap((b) => b.brackets.map((x) => ({ ...x, paragraph: b }))))
	const suggestions = groupById(blocks.flatMap((b) => b.suggestions.map((x) => ({ ...x, paragraph: b }))))
	const suggesters = [...new Set(suggestions.map((x) => x.by))].sort()
	const records = new Map(brackets.map((b) => [b.id, b]))
	const moderator = canModerate(role)
	const bracketRule = current && selection ? canBracket(role, current.status, selection.text) : null

	if (final) {
		return (
			<div className="space-y-4">
				{openAtAdoption && openAtAdoption.length > 0 ? (
					<PanelSection id="open-at-adoption-heading" title="Still open when the call was made">
						<p className="mt-1 text-xs text-gray-600">The Chair saw this list and called for approval anyway; the text was adopted as it stood.</p>
						<div className="mt-1 max-h-72 overflow-y-auto">
							<OpenItemsList paragraphs={openAtAdoption} testId="open-at-adoption" narrow />
						</div>
					</PanelSection>
				) : null}
				<EventRecord events={events} />
			</div>
		)
	}

	return (
		<div className="space-y-4">
			<PanelSection id="paragraph-heading" title="Paragraph">
				{current && current.type === 'paragraph' ? (
					<>
						<p className="mt-1 flex items-center gap-2" data-testid="current-paragraph">
							<span className="text-lg font-bold text-accord-800">{current.name}</span>
							<StatusBadge status={current.status} />
						</p>
						<StatusSetBy event={current.status === 'open' ? null : (events.find((e) => e.kind === 'paragraph.status' && e.paragraphId === current.id) ?? null)} />
						{moderator ? (
							<div className="mt-2 flex flex-wrap gap-1.5" role="group" aria-label="Set the status">
								{current.status === 'open' ? (
									<>
										<PanelButton disabled={busy} onClick={() => submit({ intent: 'set-status', paragraphId: current.id, status: 'ad_ref' })}>
											Agreed ad ref.
										</PanelButton>
										<PanelButton disabled={busy} primary onClick={() => submit({ intent: 'set-status', paragraphId: current.id, status: 'agreed' })}>
											Mark agreed
										</PanelButton>
									</>
								) : (
									<>
										{current.status === 'ad_ref' ? (
											<PanelButton disabled={busy} primary onClick={() => submit({ intent: 'set-status', paragraphId: current.id, status: 'agreed' })}>
												Mark agreed
											</PanelButton>
										) : null}
										<PanelButton disabled={busy} onClick={() => submit({ intent: 'set-status', paragraphId: current.id, status: 'open' })}>
											Reopen
										</PanelButton>
									</>
								)}
							</div>
						) : isFrozen(current.status) ? (
							<p className="mt-1 text-gray-600">Agreed text is frozen; only the Chair can reopen it.</p>
						) : null}
						{canEditText(role) && !isFrozen(current.status) ? (
							<div className="mt-3">
								<PanelButton
									disabled={busy || !selection || (bracketRule !== null && !bracketRule.ok)}
									onClick={() => selection && submit({ intent: 'bracket', ...selection })}
								>
									[ ] Bracket selected words
								</PanelButton>
								{!selection ? <p className="mt-1 text-xs text-gray-500">Select words in this paragraph to bracket them for your delegation.</p> : null}
							</div>
						) : null}
					</>
				) : (
					<p className="mt-1 text-gray-500">Put the cursor in a paragraph to see its status.</p>
				)}
				{error ? (
					<p role="alert" className="mt-2 rounded bg-red-50 px-2 py-1 text-red-800">
						{error}
					</p>
				) : null}
			</PanelSection>

			<PanelSection id="brackets-heading" title="Brackets">
				<p className="mt-1 font-medium" data-testid="bracket-count">
					{open.length === 0 ? 'Clean text: no brackets remain.' : `${open.length} ${open.length === 1 ? 'bracket remains' : 'brackets remain'}`}
				</p>
				{open.length > 0 ? (
					<p className="text-xs text-gray-500">
						{summarise(open.map((o) => o.paragraph.name))}
					</p>
				) : null}
				<ul className="mt-2 max-h-[28rem] space-y-3 overflow-y-auto">
					{open.map((b) => (
						<BracketItem
							key={b.id}
							bracket={b}
							record={records.get(b.id) ?? null}
							paragraphName={b.paragraph.name}
							frozen={isFrozen(b.paragraph.status)}
							role={role}
							myDelegationId={myDelegationId}
							busy={busy}
							submit={submit}
						/>
					))}
				</ul>
			</PanelSection>

			<PanelSection id="suggestions-heading" title="Suggestions">
				<p className="mt-1 font-medium" data-testid="suggestion-count">
					{suggestions.length === 0 ? 'No suggestions waiting.' : `${suggestions.length} waiting for the Chair`}
				</p>
				{moderator && suggesters.length > 0 ? (
					<div className="mt-1 space-y-1">
						{suggesters.map((by) => (
							<div key={by} className="flex flex-wrap items-center gap-1.5" role="group" aria-label={`All suggestions of ${by}`}>
								<span className="text-xs font-semibold text-gray-600">All of {by}:</span>
								<PanelButton small disabled={busy} onClick={() => submit({ intent: 'suggestion', decision: 'accept', by })}>
									Accept all
								</PanelButton>
								<PanelButton small disabled={busy} onClick={() => submit({ intent: 'suggestion', decision: 'reject', by })}>
									Reject all
								</PanelButton>
							</div>
						))}
					</div>
				) : null}
				<ul className="mt-2 max-h-72 space-y-2 overflow-y-auto">
					{suggestions.map((x) => (
						<li key={x.id} className="rounded-md border border-gray-200 p-2" data-testid="suggestion-item" data-suggestion-id={x.id}>
							<p>
								<span className="mr-1 rounded bg-gray-100 px-1 text-xs font-bold text-gray-800">{x.by}</span>
								<span className="text-xs text-gray-500">{x.kind === 'insert' ? 'insert' : 'delete'} · {x.paragraph.name}</span>
							</p>
							<p className="font-serif">
								{x.kind === 'insert' ? <ins className="suggestion suggestion-insert">{x.text}</ins> : <del className="suggestion suggestion-delete">{x.text}</del>}
							</p>
							<p className="text-xs text-gray-500">{x.author}</p>
							{moderator && !isFrozen(x.paragraph.status) ? (
								<div className="flex gap-1.5">
									<PanelButton small disabled={busy} onClick={() => submit({ intent: 'suggestion', decision: 'accept', id: x.id })}>
										Accept
									</PanelButton>
									<PanelButton small disabled={busy} onClick={() => submit({ intent: 'suggestion', decision: 'reject', id: x.id })}>
										Reject
									</PanelButton>
								</div>
							) : null}
						</li>
					))}
				</ul>
			</PanelSection>

			<EventRecord events={events} />
		</div>
	)
}

function EventRecord({ events }: { events: NegotiationEventRecord[] }) {
	if (events.length === 0) return null
	return (
		<PanelSection id="record-heading" title="Record">
			<ol className="mt-2 max-h-60 space-y-1.5 overflow-y-auto" data-testid="negotiation-record">
				{events.map((e) => (
					<li key={e.id} className="text-gray-700">
						<span className="text-gray-500 tabular-nums"><LocalTime value={e.createdAt} /></span> {e.summary}{' '}
						<span className="text-gray-500">({e.user.name})</span>
					</li>
				))}
			</ol>
		</PanelSection>
	)
}

function BracketItem({
	bracket,
	record,
	paragraphName,
	frozen,
	role,
	myDelegationId,
	busy,
	submit,
}: {
	bracket: { id: string; owner: string; text: string }
	record: BracketRecord | null
	paragraphName: string
	frozen: boolean
	role: NegotiationRole
	myDelegationId: string
	busy: boolean
	submit: (fields: Record<string, string | number>) => void
}) {
	const [proposing, setProposing] = useState(false)
	const [alternative, setAlternative] = useState('')
	const supporters = (target: string) => record?.supports.filter((s) => s.target === target).map((s) => s.delegation) ?? []
	const canAct = canEditText(role) && !frozen && record !== null
	const mayBack = (proposer: string, target: string) =>
		canAct && proposer !== myDelegationId && !supporters(target).some((d) => d.id === myDelegationId)
	return (
		<li className="rounded-md border border-amber-300 bg-amber-50/60 p-2.5" data-testid="bracket-item" data-bracket-id={bracket.id}>
			<p>
				<span className="mr-1 rounded bg-amber-200 px-1 text-xs font-bold text-amber-900">{bracket.owner}</span>
				<span className="font-serif">[{bracket.text}]</span> <span className="text-xs whitespace-nowrap text-gray-500">· {paragraphName}</span>
			</p>
			<Supporters label="Supported by" list={supporters('text')} />
			{record && mayBack(record.owner.id, 'text') ? (
				<PanelButton small disabled={busy} onClick={() => submit({ intent: 'support', bracketId: bracket.id, target: 'text' })}>
					Support this text
				</PanelButton>
			) : null}
			{record?.alternatives.map((alt) => (
				<div key={alt.id} className="mt-2 border-l-2 border-amber-400 pl-2">
					<p>
						<span className="text-xs font-bold text-amber-900">Alt {alt.number}</span>{' '}
						<span className="text-xs text-gray-500">({alt.delegation.code})</span> <span className="font-serif">{alt.text}</span>
					</p>
					<Supporters label="Supported by" list={supporters(alt.id)} />
					{mayBack(alt.delegation.id, alt.id) ? (
						<PanelButton small disabled={busy} onClick={() => submit({ intent: 'support', bracketId: bracket.id, target: alt.id })}>
							Support Alt {alt.number}
						</PanelButton>
					) : null}
				</div>
			))}
			{canAct ? (
				proposing ? (
					<form
						className="mt-2 space-y-1"
						onSubmit={(event) => {
							event.preventDefault()
							submit({ intent: 'alternative', bracketId: bracket.id, text: alternative })
							setAlternative('')
							setProposing(false)
						}}
					>
						<label className="block text-xs font-medium text-gray-700" htmlFor={`alt-${bracket.id}`}>
							Alternative wording
						</label>
						<textarea
							id={`alt-${bracket.id}`}
							className="w-full rounded border border-gray-300 p-1.5 font-serif"
							rows={2}
							maxLength={2000}
							value={alternative}
							onChange={(e) => setAlternative(e.target.value)}
							required
						/>
						<div className="flex gap-1.5">
							<PanelButton small primary type="submit" disabled={busy || alternative.trim() === ''}>
								Propose
							</PanelButton>
							<PanelButton small onClick={() => setProposing(false)}>
								Cancel
							</PanelButton>
						</div>
					</form>
				) : (
					<PanelButton small disabled={busy} onClick={() => setProposing(true)}>
						Propose an alternative
					</PanelButton>
				)
			) : null}
			{canModerate(role) && record && !frozen ? (
				<div className="mt-2 flex flex-wrap items-center gap-1.5 border-t border-amber-200 pt-2" role="group" aria-label="Resolve this bracket">
					<span className="text-xs font-semibold text-gray-600">Resolve:</span>
					<PanelButton small disabled={busy} onClick={() => submit({ intent: 'resolve', bracketId: bracket.id, choice: 'keep' })}>
						Keep text
					</PanelButton>
					{record.alternatives.map((alt) => (
						<PanelButton key={alt.id} small disabled={busy} onClick={() => submit({ intent: 'resolve', bracketId: bracket.id, choice: alt.id })}>
							Use Alt {alt.number}
						</PanelButton>
					))}
					<PanelButton small disabled={busy} onClick={() => submit({ intent: 'resolve', bracketId: bracket.id, choice: 'delete' })}>
						Delete words
					</PanelButton>
				</div>
			) : null}
		</li>
	)
}

function PanelSection({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
	return (
		<section aria-labelledby={id} className="rounded-lg border border-gray-200 bg-white p-4 text-sm">
			<h2 id={id} className="text-xs font-semibold tracking-wide text-gray-500 uppercase">
				{title}
			</h2>
			{children}
		</section>
	)
}

/** Who set the paragraph's status, and when (the latest status event: events come newest first). */
function StatusSetBy({ event }: { event: NegotiationEventRecord | null }) {
	if (!event) return null
	return (
		<p className="mt-0.5 text-xs text-gray-600" data-testid="status-set-by">
			by {event.user.name} ({event.delegation.code}), <LocalTime value={event.createdAt} />
		</p>
	)
}

function Supporters({ label, list }: { label: string; list: { id: string; code: string }[] }) {
	if (list.length === 0) return null
	return (
		<p className="mt-0.5 text-xs text-gray-600">
			{label} {list.map((d) => d.code).join(', ')}
		</p>
	)
}

export function StatusBadge({ status }: { status: ParagraphStatus }) {
	const style = status === 'agreed' ? 'bg-green-100 text-green-900' : status === 'ad_ref' ? 'bg-sky-100 text-sky-900' : 'bg-gray-100 text-gray-700'
	return (
		<span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${style}`} data-testid="paragraph-status">
			{PARAGRAPH_STATUS_LABELS[status]}
		</span>
	)
}

function PanelButton({
	children,
	onClick,
	disabled,
	primary,
	small,
	type = 'button',
}: {
	children: React.ReactNode
	onClick?: () => void
	disabled?: boolean
	primary?: boolean
	small?: boolean
	type?: 'button' | 'submit'
}) {
	const look = primary ? 'bg-accord-700 text-white hover:bg-accord-800' : 'border border-gray-300 bg-white text-gray-800 hover:bg-gray-50'
	return (
		<button type={type} onClick={onClick} disabled={disabled} className={`rounded ${small ? 'mt-1 px-2 py-0.5 text-xs' : 'px-2.5 py-1 text-sm'} font-medium disabled:opacity-50 ${look}`}>
			{children}
		</button>
	)
}

function groupById<T extends { id: string; text: string }>(pieces: T[]): T[] {
	const byId = new Map<string, T>()
	for (const piece of pieces) {
		const first = byId.get(piece.id)
		if (first) byId.set(piece.id, { ...first, text: `${first.text} ${piece.text}` })
		else byId.set(piece.id, piece)
	}
	return [...byId.values()]
}

/** "OP 2 (2), PP (a)": where the brackets are. */
function summarise(names: string[]): string {
	const counts = new Map<string, number>()
	for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1)
	return [...counts].map(([n, c]) => (c > 1 ? `${n} (${c})` : n)).join(', ')
}

/**
 * A time in the reader's own time zone (rendered after hydration; the server does not know it);
 * `withDate` adds the date and the zone's name, for moments that are on record.
 */
export function LocalTime({ value, withDate = false }: { value: string | Date; withDate?: boolean }) {
	const [text, setText] = useState<string | null>(null)
	useEffect(() => {
		const format = withDate ? { dateStyle: 'long', timeStyle: 'short' } as const : { hour: '2-digit', minute: '2-digit' } as const
		const zone = withDate ? ` (${new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(new Date(value)).find((p) => p.type === 'timeZoneName')?.value ?? ''})` : ''
		setText(`${new Intl.DateTimeFormat(undefined, format).format(new Date(value))}${zone}`)
	}, [value, withDate])
	const iso = new Date(value).toISOString()
	return <time dateTime={iso} title={text ? new Date(value).toString() : iso}>{text ?? (withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(11, 16))}</time>
}
