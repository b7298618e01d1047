import { PARAGRAPH_STATUS_LABELS, type ParagraphStatus, type PreambleStyle } from './negotiation.ts'
import { numberBlocks, paragraphNames, REF_CHAR, type StatementBlock } from './statement.ts'

/**
 * Whether a text is whole before it is called for approval (issue 28), and how an adopted text
 * is named, pure, shared by the routes, the pages and the server.
 *
 * A text is whole when every paragraph is agreed and nothing waits in it: no bracket, no pending
 * suggestion, no unresolved comment thread. Agreed ad referendum is not whole: the room agreed,
 * capitals have not. The Chair may call for approval of a text that is not whole, but only after
 * seeing what is open and saying so; the record keeps what was open.
 */
export type ThreadInput = { paragraphId: string; status: 'OPEN' | 'RESOLVED'; quote: string; delegationCode: string }

/** What is open in one paragraph (or, with `paragraphId` null, threads on paragraphs no longer in the text). */
export type OpenParagraph = {
	paragraphId: string | null
	/** "OP 3", "PP (b)", "PP", as delegates name it. */
	name: string
	/** The paragraph's first words, so that unlettered preambular paragraphs can be told apart. */
	excerpt: string
	/** 'open' or 'ad_ref' when the paragraph is not agreed; null when it is (or is not in the text). */
	status: Exclude<ParagraphStatus, 'agreed'> | null
	brackets: { owner: string; text: string }[]
	suggestions: { by: string; kind: 'insert' | 'delete'; text: string }[]
	threads: { delegation: string; quote: string }[]
}

export type OpenItems = {
	paragraphs: OpenParagraph[]
	counts: { notAgreed: number; adRef: number; brackets: number; suggestions: number; threads: number }
}

/** The name of the group of threads whose paragraph is no longer in the text. */
export const NOT_IN_TEXT = 'Not in this text'

const EXCERPT_LENGTH = 60

/**
 * What is still open in a text, paragraph by paragraph in the order of the text: paragraphs not
 * agreed (open, or agreed ad ref. only), brackets, pending suggestions, unresolved comment threads.
 * A bracket or suggestion split over two paragraphs is listed in each and counted once.
 */
export function openItems(blocks: readonly StatementBlock[], threads: readonly ThreadInput[], preamble: PreambleStyle = 'none'): OpenItems {
	const numbered = numberBlocks(blocks, preamble)
	const names = paragraphNames(numbered)
	const openThreads = threads.filter((t) => t.status === 'OPEN')
	const paragraphs: OpenParagraph[] = []
	const bracketIds = new Set<string>()
	const suggestionIds = new Set<string>()
	const counts = { notAgreed: 0, adRef: 0, brackets: 0, suggestions: 0, threads: openThreads.length }
	for (const b of numbered) {
		if (b.type !== 'paragraph') continue
		const brackets = groupById(b.brackets).map(({ owner, text }) => ({ owner, text }))
		const suggestions = groupById(b.suggestions).map(({ by, kind, text }) => ({ by, kind, text }))
		const onIt = openThreads.filter((t) => t.paragraphId === b.id).map((t) => ({ delegation: t.delegationCode, quote: t.quote }))
		const status = b.status === 'agreed' ? null : b.status
		for (const x of b.brackets) bracketIds.add(x.id)
		for (const x of b.suggestions) suggestionIds.add(x.id)
		if (status === 'open') counts.notAgreed++
		if (status === 'ad_ref') counts.adRef++
		if (status === null && brackets.length === 0 && suggestions.length === 0 && onIt.length === 0) continue
		paragraphs.push({ paragraphId: b.id, name: names.get(b.id) ?? 'PP', excerpt: excerpt(b.text, b.refs, names), status, brackets, suggestions, threads: onIt })
	}
	const inText = new Set(names.keys())
	const elsewhere = openThreads.filter((t) => !inText.has(t.paragraphId))
	if (elsewhere.length > 0) {
		paragraphs.push({ paragraphId: null, name: NOT_IN_TEXT, excerpt: '', status: null, brackets: [], suggestions: [], threads: elsewhere.map((t) => ({ delegation: t.delegationCode, quote: t.quote })) })
	}
	counts.brackets = bracketIds.size
	counts.suggestions = suggestionIds.size
	return { paragraphs, counts }
}

/** Nothing open: every paragraph agreed, no bracket, suggestion or unresolved thread. */
export function isWhole(items: Pick<OpenItems, 'paragraphs'>): boolean {
	return items.paragraphs.length === 0
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** "8 not agreed, 1 agreed ad ref. only, 1 bracket, 2 unresolved comment threads" (empty when whole). */
export function summariseOpenItems(items: OpenItems): string {
	const { notAgreed, adRef, brackets, suggestions, threads } = items.counts
	return [
		notAgreed ? `${plural(notAgreed, 'paragraph')} not agreed` : null,
		adRef ? `${plural(adRef, 'paragraph')} agreed ad ref. only` : null,
		brackets ? plural(brackets, 'bracket') : null,
		suggestions ? plural(suggestions, 'pending suggestion') : null,
		threads ? plural(threads, 'unresolved comment thread') : null,
	]
		.filter(Boolean)
		.join(', ')
}

/** What is open in one paragraph, in words: "not agreed · 1 bracket (SGP) · 1 comment thread (THA)". */
export function describeOpenParagraph(p: OpenParagraph): string {
	const who = (codes: string[]) => [...new Set(codes)].sort().join(', ')
	return [
		p.status === 'open' ? 'not agreed' : p.status === 'ad_ref' ? `${PARAGRAPH_STATUS_LABELS.ad_ref.toLowerCase()} only` : null,
		p.brackets.length ? `${plural(p.brackets.length, 'bracket')} (${who(p.brackets.map((b) => b.owner))})` : null,
		p.suggestions.length ? `${plural(p.suggestions.length, 'suggestion')} (${who(p.suggestions.map((s) => s.by))})` : null,
		p.threads.length ? `${plural(p.threads.length, 'comment thread')} (${who(p.threads.map((t) => t.delegation))})` : null,
	]
		.filter(Boolean)
		.join(' · ')
}

/**
 * An adopted text's title: the working label goes ("(draft)", "[Draft]", "– draft", "(dự thảo)",
 * a leading "Draft "); the stored title stays as it was written.
 */
export function finalTitle(title: string): string {
	const out = title
		.normalize('NFC')
		.replace(/\s*[([]\s*(?:draft|dự thảo)\s*[)\]]/giu, '')
		.replace(/\s*[-–—:]\s*(?:draft|dự thảo)\s*$/iu, '')
		.replace(/^\s*draft\s+(\p{L})/iu, (_m, first: string) => first.toUpperCase())
		.trim()
	return out === '' ? title : out
}

function groupById<T extends { id: string; text: string }>(spans: readonly T[]): T[] {
	const byId = new Map<string, T>()
	for (const s of spans) {
		const first = byId.get(s.id)
		byId.set(s.id, first ? { ...first, text: `${first.text} ${s.text}` } : { ...s })
	}
	return [...byId.values()]
}

function excerpt(text: string, refs: readonly { offset: number; to: string }[], names: Map<string, string>): string {
	let shown = text
	for (const ref of [...refs].reverse()) shown = shown.slice(0, ref.offset) + (names.get(ref.to) ?? 'a deleted paragraph') + shown.slice(ref.offset + 1)
	shown = shown.split(REF_CHAR).join('').replace(/\s+/g, ' ').trim()
	if (shown === '') return '(empty)'
	if (shown.length <= EXCERPT_LENGTH) return shown
	const cut = shown.slice(0, EXCERPT_LENGTH)
	const space = cut.lastIndexOf(' ')
	return `${(space > EXCERPT_LENGTH / 2 ? cut.slice(0, space) : cut).replace(/[,;:]$/, '')}…`
}
