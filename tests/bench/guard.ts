/**
 * `npm run bench:guard`: what the server's guard (server/guard.ts) costs per keystroke, on a
 * 20,000-character statement: applying a typist's updates without the guard, with it on a
 * document with nothing frozen, with a third of the paragraphs agreed and a bracket in each,
 * and for an adviser (suggest-only, every keystroke a suggestion). CPU time in this process,
 * medians of 5 rounds of 2,000 keystrokes. Quoted in README "Benchmark".
 */
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { writeBlocks } from '#app/domain/statement.ts'
import { DocumentGuard } from '#server/guard.ts'
import { statementBlocks } from './lib/content.ts'

const KEYSTROKES = 2_000
const ROUNDS = 5

type Setup = 'plain' | 'frozen'
type Mode = 'none' | 'guard' | 'adviser'

function makeServer(setup: Setup): Y.Doc {
	const doc = new Y.Doc()
	const blocks = statementBlocks(20_000).map((b, i) =>
		b.type === 'paragraph' && setup === 'frozen' && i % 3 === 0 ? { ...b, status: 'agreed' as const } : b,
	)
	writeBlocks(doc, blocks)
	if (setup === 'frozen') {
		doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray().forEach((el, i) => {
			const text = (el as Y.XmlElement).get(0) as Y.XmlText
			if (i % 3 === 1 && text.length > 20) text.format(5, 10, { bracket: { id: `b${i}`, owner: 'THA' } })
		})
	}
	return doc
}

/** The keystrokes of one typist in an open paragraph, as Yjs updates. */
function keystrokes(server: Y.Doc, mode: Mode): Uint8Array[] {
	const client = new Y.Doc()
	Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
	const target = (client.getXmlFragment(DOCUMENT_FRAGMENT).get(2) as Y.XmlElement).get(0) as Y.XmlText
	const updates: Uint8Array[] = []
	client.on('update', (u: Uint8Array) => updates.push(u))
	const attrs = mode === 'adviser' ? { insertion: { id: 'sbench', by: 'THA', author: 'Bench' } } : undefined
	for (let i = 0; i < KEYSTROKES; i++) target.insert(Math.min(10 + i, target.length), 'x', attrs)
	return updates
}

function cpuMs(): number {
	const u = process.cpuUsage()
	return (u.user + u.system) / 1000
}

function round(setup: Setup, mode: Mode): number {
	const server = makeServer(setup)
	const updates = keystrokes(server, mode)
	const guard = mode === 'none' ? null : new DocumentGuard(server)
	const sender = { delegationCode: 'THA', name: 'Bench', suggestOnly: mode === 'adviser' }
	const origin = {}
	const start = cpuMs()
	for (const update of updates) {
		if (guard) {
			const violation = guard.check(() => Y.applyUpdate(server, update, origin), origin, sender)
			if (violation) throw new Error(`unexpected refusal: ${violation.message}`)
		} else Y.applyUpdate(server, update, origin)
	}
	const ms = cpuMs() - start
	guard?.destroy()
	return (ms * 1000) / updates.length
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const rows: [string, Setup, Mode][] = [
	['no guard', 'plain', 'none'],
	['guard, nothing frozen', 'plain', 'guard'],
	['guard, 1/3 agreed + brackets', 'frozen', 'guard'],
	['guard, adviser (suggestions)', 'frozen', 'adviser'],
]
console.log(`Guard cost per keystroke (${KEYSTROKES} keystrokes, median of ${ROUNDS} rounds, CPU µs):`)
const base = median(Array.from({ length: ROUNDS }, () => round('plain', 'none')))
for (const [label, setup, mode] of rows) {
	const us = label === 'no guard' ? base : median(Array.from({ length: ROUNDS }, () => round(setup, mode)))
	console.log(`  ${label.padEnd(32)} ${us.toFixed(1).padStart(7)} µs  (${(us / base).toFixed(2)}×)`)
}
