import { numberBlocks, paragraphNames, REF_CHAR, type StatementBlock } from './statement.ts'
import type { PreambleStyle } from './negotiation.ts'

/**
 * Revisions, their canonical text and hash, the comparison of two texts, approvals and the
 * silence procedure (issue 6), pure and shared by the routes, the page and the server.
 *
 * The canonical rendering is the one text everything agrees on: paragraph order, numbering
 * (labels), kind, status, text (references by the name they have in this text), and brackets
 * with their owners, suggestions still pending with their delegation. Text is escaped (`\`,
 * brackets, braces, the reference marks, tabs and line breaks), so typed characters can never
 * read as markup. Its SHA-256 is the revision's hash: an approval names it, so an approval is
 * of one exact text.
 */
export const CANONICAL_VERSION = 'accord-canonical-2'

export function renderCanonical(blocks: readonly StatementBlock[], preamble: PreambleStyle = 'none'): string {
	const numbered = numberBlocks(blocks, preamble)
	const names = paragraphNames(numbered)
	const lines = [CANONICAL_VERSION]
	for (const b of numbered) {
		if (b.type === 'heading') {
			lines.push(`H\t${b.id}\t${oneLine(escape(b.text))}`)
			continue
		}
		// Markup goes in between escaped pieces of text.
		const marks: { at: number; insert: string; rank: number }[] = []
		for (const br of b.brackets) marks.push({ at: br.start, insert: '[', rank: 1 }, { at: br.end, insert: `]{${escape(br.owner)}}`, rank: 2 })
		for (const s of b.suggestions) {
			const sign = s.kind === 'insert' ? '+' : '-'
			marks.push({ at: s.start, insert: `{${sign}`, rank: 1 }, { at: s.end, insert: `${sign}}(${escape(s.by)})`, rank: 2 })
		}
		for (const ref of b.refs) marks.push({ at: ref.offset, insert: `⟨${escape(names.get(ref.to) ?? 'deleted paragraph')}⟩`, rank: 0 })
		const cuts = [...new Set([0, b.text.length, ...marks.map((m) => m.at)])].sort((x, y) => x - y)
		let text = ''
		for (let i = 0; i < cuts.length; i++) {
			const at = cuts[i]!
			const here = marks.filter((m) => m.at === at)
			// At one offset: what closes there, then what opens there, then the reference that is
			// the character there ("]{THA}[⟨OP 1⟩…", never "[]{THA}…").
			for (const m of here.filter((m) => m.rank === 2)) text += m.insert
			for (const m of here.filter((m) => m.rank === 1)) text += m.insert
			for (const m of here.filter((m) => m.rank === 0)) text += m.insert
			const next = cuts[i + 1]
			if (next === undefined) break
			const piece = b.text.slice(at, next)
			text += escape(here.some((m) => m.rank === 0) ? piece.slice(1) : piece)
		}
		lines.push(`P\t${b.id}\t${b.label ?? ''}\t${b.kind}\t${b.status}\t${oneLine(text)}`)
	}
	return `${lines.join('\n')}\n`
}

function oneLine(text: string): string {
	return text.normalize('NFC')
}

/** The text for reading: escapes undone (markup such as [words]{THA} stays). */
function unescape(text: string): string {
	return text.replace(/\\(.)/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c))
}

/** Typed characters that could read as markup or break a line, escaped. */
function escape(text: string): string {
	return text.replace(/[\\[\]{}⟨⟩]/g, (c) => `\\${c}`).replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r').split(REF_CHAR).join('')
}

/** SHA-256 of the canonical rendering, hex (Web Crypto: the same in browsers and on the server). */
export async function hashCanonical(canonical: string): Promise<string> {
	const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical))
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The paragraphs of a canonical rendering, for reading a revision as it was and comparing. */
export type CanonicalParagraph = { id: string; type: 'heading' | 'paragraph'; label: string; kind: string; status: string; text: string }

export function parseCanonical(canonical: string): CanonicalParagraph[] {
	const out: CanonicalParagraph[] = []
	for (const line of canonical.split('\n').slice(1)) {
		if (!line) continue
		const parts = line.split('\t')
		if (parts[0] === 'H') out.push({ id: parts[1]!, type: 'heading', label: '', kind: '', status: '', text: unescape(parts[2] ?? '') })
		else out.push({ id: parts[1]!, type: 'paragraph', label: parts[2] ?? '', kind: parts[3] ?? '', status: parts[4] ?? '', text: unescape(parts[5] ?? '') })
	}
	return out
}

export type WordDiff = { op: 'same' | 'insert' | 'delete'; text: string }[]

/** Words and the spaces between them: a diff at word level keeps punctuation with its word. */
function words(text: string): string[] {
	return text.match(/\S+|\s+/gu) ?? []
}

/** Tokens beyond which two paragraphs are compared whole (the table grows with their product). */
export const MAX_DIFF_TOKENS = 2_000

/**
 * A word-level diff: the common beginning and end are set aside, the middle compared by longest
 * common subsequence; a middle too long for that is shown as replaced.
 */
export function diffWords(before: string, after: string): WordDiff {
	const all = { a: words(before), b: words(after) }
	let head = 0
	while (head < all.a.length && head < all.b.length && all.a[head] === all.b[head]) head++
	let tail = 0
	while (tail < all.a.length - head && tail < all.b.length - head && all.a[all.a.length - 1 - tail] === all.b[all.b.length - 1 - tail]) tail++
	const a = all.a.slice(head, all.a.length - tail)
	const b = all.b.slice(head, all.b.length - tail)
	const prefix = all.a.slice(0, head).join('')
	const suffix = all.a.slice(all.a.length - tail).join('')
	const middle = a.length * b.length > MAX_DIFF_TOKENS * MAX_DIFF_TOKENS ? replaced(a.join(''), b.join('')) : lcsDiff(a, b)
	const out: WordDiff = []
	for (const part of [{ op: 'same' as const, text: prefix }, ...middle, { op: 'same' as const, text: suffix }]) {
		if (!part.text) continue
		const last = out[out.length - 1]
		if (last && last.op === part.op) last.text += part.text
		else out.push({ ...part })
	}
	return out
}

function replaced(before: string, after: string): WordDiff {
	return [
		{ op: 'delete', text: before },
		{ op: 'insert', text: after },
	]
}

function lcsDiff(a: string[], b: string[]): WordDiff {
	const n = a.length
	const m = b.length
	const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
	}
	const out: WordDiff = []
	const push = (op: WordDiff[number]['op'], text: string) => {
		const last = out[out.length - 1]
		if (last && last.op === op) last.text += text
		else out.push({ op, text })
	}
	let i = 0
	let j = 0
	while (i < n && j < m) {
		if (a[i] === b[j]) {
			push('same', a[i]!)
			i++
			j++
		} else if (table[i + 1]![j]! >= table[i]![j + 1]!) push('delete', a[i++]!)
		else push('insert', b[j++]!)
	}
	while (i < n) push('delete', a[i++]!)
	while (j < m) push('insert', b[j++]!)
	return out
}

export type ParagraphChange =
	| { change: 'same' | 'changed'; id: string; before: CanonicalParagraph; after: CanonicalParagraph; diff: WordDiff; moved: boolean }
	| { change: 'added'; id: string; after: CanonicalParagraph }
	| { change: 'removed'; id: string; before: CanonicalParagraph }

/**
 * Compares two texts paragraph by paragraph (aligned by their stable ids): added, removed,
 * changed (with a word diff), moved (its place among the paragraphs both texts share changed),
 * in the order of the later text, removed ones where they were.
 */
export function compareTexts(before: readonly CanonicalParagraph[], after: readonly CanonicalParagraph[]): ParagraphChange[] {
	const beforeById = new Map(before.map((p) => [p.id, p]))
	const afterIds = new Set(after.map((p) => p.id))
	const sharedBefore = before.filter((p) => afterIds.has(p.id)).map((p) => p.id)
	const sharedAfter = after.filter((p) => beforeById.has(p.id)).map((p) => p.id)
	// Moved: not on the longest run of shared paragraphs kept in order.
	const kept = longestCommonSubsequence(sharedBefore, sharedAfter)
	const out: ParagraphChange[] = []
	for (const p of after) {
		const old = beforeById.get(p.id)
		if (!old) {
			out.push({ change: 'added', id: p.id, after: p })
			continue
		}
		const same = old.text === p.text && old.label === p.label && old.kind === p.kind && old.status === p.status
		out.push({ change: same ? 'same' : 'changed', id: p.id, before: old, after: p, diff: diffWords(old.text, p.text), moved: !kept.has(p.id) })
	}
	// Every removed paragraph goes right after the paragraph that came before it in the earlier
	// text and is still there (or first, when none is).
	let anchor: string | null = null
	const removedAfter = new Map<string | null, ParagraphChange[]>()
	for (const p of before) {
		if (afterIds.has(p.id)) {
			anchor = p.id
			continue
		}
		removedAfter.set(anchor, [...(removedAfter.get(anchor) ?? []), { change: 'removed', id: p.id, before: p }])
	}
	const result: ParagraphChange[] = [...(removedAfter.get(null) ?? [])]
	for (const change of out) {
		result.push(change)
		if (change.change !== 'added') result.push(...(removedAfter.get(change.id) ?? []))
	}
	return result
}

function longestCommonSubsequence(a: readonly string[], b: readonly string[]): Set<string> {
	const table: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1))
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
	}
	const kept = new Set<string>()
	let i = 0
	let j = 0
	while (i < a.length && j < b.length) {
		if (a[i] === b[j]) {
			kept.add(a[i]!)
			i++
			j++
		} else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++
		else j++
	}
	return kept
}

export type ApprovalKind = 'APPROVE' | 'RESERVATION' | 'OBJECT'
export const APPROVAL_LABELS: Record<ApprovalKind, string> = { APPROVE: 'Approves', RESERVATION: 'Approves with a reservation', OBJECT: 'Objects' }

/**
 * Where a call for approval stands: member states only; adopted when every member state
 * approves (a reservation counts as approval and is kept); one objection blocks.
 */
export function approvalOutcome(
	memberStateIds: readonly string[],
	answers: readonly { delegationId: string; kind: ApprovalKind }[],
): { state: 'adopted' | 'blocked' | 'waiting'; approved: number; objected: number; waiting: number } {
	const byMember = new Map<string, ApprovalKind>()
	const members = new Set(memberStateIds)
	for (const a of answers) if (members.has(a.delegationId)) byMember.set(a.delegationId, a.kind)
	let approved = 0
	let objected = 0
	for (const kind of byMember.values()) {
		if (kind === 'OBJECT') objected++
		else approved++
	}
	const waiting = members.size - byMember.size
	return { state: objected > 0 ? 'blocked' : waiting === 0 && members.size > 0 ? 'adopted' : 'waiting', approved, objected, waiting }
}

/**
 * Who answers a call for approval (or breaks silence) for a member state: its head of
 * delegation, or a delegate the head authorised.
 */
export function canAnswerApproval(me: { delegationKind: string; role: string; mayAnswer?: boolean }): boolean {
	return me.delegationKind === 'MEMBER' && (me.role === 'HEAD' || (me.role === 'DELEGATE' && me.mayAnswer === true))
}

/** The head of a member state's delegation authorises its delegates (not advisers) to answer. */
export function canAuthoriseAnswer(me: { delegationId: string; delegationKind: string; role: string }, member: { delegationId: string; role: string }): boolean {
	return me.delegationKind === 'MEMBER' && me.role === 'HEAD' && me.delegationId === member.delegationId && member.role === 'DELEGATE'
}

/**
 * The instant a wall-clock time in a named time zone stands for ("17:00 on 5 August 2022 in
 * Asia/Ho_Chi_Minh"), without a date library: the zone's offset at that moment from Intl.
 */
export function zonedTimeToInstant(local: string, timeZone: string): Date | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local)
	if (!m) return null
	const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number]
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null
	const guess = Date.UTC(y, mo - 1, d, h, mi)
	try {
		// The zone's offsets around that day; a wall-clock time exists for each that maps back to it.
		const offsets = new Set([-1, 0, 1].map((days) => zoneOffsetMs(guess + days * 86_400_000, timeZone)))
		const instants = [...offsets].map((offset) => guess - offset).filter((instant) => wallClock(instant, timeZone) === local)
		// None: the time does not exist there (a day's gap, or 30 February). Two: the clock was set
		// back and it happens twice; the first is meant.
		return instants.length === 0 ? null : new Date(Math.min(...instants))
	} catch {
		return null
	}
}

function wallClock(instant: number, timeZone: string): string {
	const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(instant))
	const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
	return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`
}

function zoneOffsetMs(instant: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant))
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
	const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
	return asUtc - Math.floor(instant / 1000) * 1000
}

/** A silence procedure's outcome at `now`: broken by any member state before the deadline, else adopted at it. */
export function silenceOutcome(
	procedure: { deadline: Date; breaks: readonly { at: Date; delegationKind: string }[] },
	now: Date,
): { state: 'running' | 'broken' | 'adopted'; at: Date | null } {
	const broken = procedure.breaks.filter((b) => b.delegationKind === 'MEMBER' && b.at.getTime() < procedure.deadline.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime())[0]
	if (broken) return { state: 'broken', at: broken.at }
	if (now.getTime() >= procedure.deadline.getTime()) return { state: 'adopted', at: procedure.deadline }
	return { state: 'running', at: null }
}
