import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { makeSeed, statementBlocks, blockText } from './lib/content.ts'
const seed = makeSeed(statementBlocks())
const docs = Array.from({ length: 160 }, (_, i) => { const d = new Y.Doc(); d.clientID = 1000 + i; Y.applyUpdate(d, seed); return d })
const src = docs[0]!
const updates: Uint8Array[] = []
src.on('update', (u: Uint8Array) => updates.push(u))
const text = blockText(src, 3)!
for (let i = 0; i < 200; i++) text.insert(5 + i, 'a')
let t = performance.now()
for (const u of updates) for (let j = 1; j < 160; j++) Y.applyUpdate(docs[j]!, u, 'x')
let ms = performance.now() - t
console.log('applyUpdate µs each', (ms * 1000) / (updates.length * 159))
// awareness
const aw = docs.map((d) => { const a = new awarenessProtocol.Awareness(d); clearInterval(a._checkInterval); return a })
aw[0]!.setLocalState({ user: { name: 'Đại biểu 1', color: '#fff' }, cursor: { anchor: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, 5, -1)), head: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, 5, -1)) } })
const aus: Uint8Array[] = []
for (let i = 0; i < 200; i++) { aw[0]!.setLocalStateField('cursor', { anchor: { x: i }, head: { x: i } }); aus.push(awarenessProtocol.encodeAwarenessUpdate(aw[0]!, [aw[0]!.clientID])) }
t = performance.now()
for (const u of aus) for (let j = 1; j < 160; j++) awarenessProtocol.applyAwarenessUpdate(aw[j]!, u, 'x')
ms = performance.now() - t
console.log('applyAwareness µs each', (ms * 1000) / (aus.length * 159))
t = performance.now()
for (let j = 1; j < 160; j++) for (let i = 0; i < 200; i++) awarenessProtocol.encodeAwarenessUpdate(aw[j]!, [aw[0]!.clientID])
console.log('encode echo µs each', ((performance.now() - t) * 1000) / (200 * 159))
