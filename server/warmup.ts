/**
 * A freshly started process runs its code interpreted until V8 has seen it often enough to
 * compile it: the first changes to each document after a restart cost many times what they cost
 * once compiled
 * (building a Yjs document, judging and applying an update, encoding for a joining client).
 * After a restart in a live session every delegation reconnects and types at once, so those
 * first changes all fall into the same second. This runs the same paths on throw-away
 * documents at boot (a fraction of a second), before any connection is accepted; nothing is written.
 *
 * It calls what a room calls (DocumentGuard.check around Y.applyUpdate, Y.mergeUpdates,
 * Y.diffUpdate, Y.encodeStateAsUpdate), not a Room itself: a room's path goes through a load
 * (async), timers and sockets, and the warm-up must stay synchronous, quiet and short. If
 * Room.receiveUpdate or flushOutgoing start calling something new and costly, add it here.
 */
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { encodeBlocks } from '#app/domain/statement.ts'
import { DocumentGuard, type Sender } from './guard.ts'

const WARM_UP_ROUNDS = 300

/** The paragraph both documents are typed in (the last one, open and plain). */
const TYPED = 2

/**
 * Half the rounds type in a document with nothing to protect (judged from the new items
 * alone), half in one with an agreed paragraph and a bracket (the guard reads the paragraphs).
 * Returns how many changes the guard refused: none, or the warm-up took the wrong path.
 */
export function warmUpSync(rounds = WARM_UP_ROUNDS): { rounds: number; refused: number } {
	const plain = encodeBlocks([
		{ type: 'heading', text: 'Kế hoạch hành động' },
		{ type: 'paragraph', kind: 'preambular', text: 'Recognising the role of culture in sustainable development,' },
		{ type: 'paragraph', kind: 'operative', text: 'Các nước thành viên nhất trí thúc đẩy hợp tác văn hoá.' },
	])
	const negotiated = encodeBlocks([
		{ type: 'paragraph', kind: 'preambular', status: 'agreed', text: 'Recalling the ASEAN Declaration on Culture of Prevention,' },
		{ type: 'paragraph', kind: 'operative', text: 'Encourage the exchange of data on heritage sites.', brackets: [{ id: 'b-warm-up', owner: 'SGP', start: 17, end: 21 }] },
		{ type: 'paragraph', kind: 'operative', text: 'Các nước thành viên nhất trí thúc đẩy hợp tác văn hoá.' },
	])
	const writer: Sender = { delegationCode: 'VNM', name: 'warm-up', suggestOnly: false }
	let refused = 0
	for (let i = 0; i < rounds; i++) {
		const stored = i % 2 === 0 ? plain : negotiated
		const doc = new Y.Doc({ guid: 'warm-up' })
		Y.applyUpdate(doc, stored, 'storage')
		const guard = new DocumentGuard(doc)
		const author = new Y.Doc()
		Y.applyUpdate(author, stored)
		const text = (author.getXmlFragment(DOCUMENT_FRAGMENT).get(TYPED) as Y.XmlElement).get(0) as Y.XmlText
		const updates: Uint8Array[] = []
		author.on('update', (u: Uint8Array) => updates.push(u))
		for (let k = 0; k < 3; k++) text.insert(k, 'á')
		for (const u of updates) if (guard.check(() => Y.applyUpdate(doc, u, writer), writer, writer)) refused++
		Y.mergeUpdates(updates)
		Y.diffUpdate(stored, Y.encodeStateVectorFromUpdate(stored))
		Y.encodeStateAsUpdate(doc, Y.encodeStateVector(author))
		guard.destroy()
		author.destroy()
		doc.destroy()
	}
	return { rounds, refused }
}
