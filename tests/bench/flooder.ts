/**
 * A flooding client for S1F (issue 28): one stock-protocol connection that, once synced, adds a
 * paragraph of its own at the end and appends one letter to it per update, as fast as its socket
 * takes them (it never lets more than 64 KB wait in its own buffer), until killed. Reports how
 * many it sent on stdout when it ends.
 *
 *   node --import tsx tests/bench/flooder.ts <ws url>
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { WebSocket } from 'ws'
import * as Y from 'yjs'

const url = process.argv[2]!
const doc = new Y.Doc()
const ws = new WebSocket(url)
ws.binaryType = 'nodebuffer'
let sent = 0
let flooding = false

const frame = (type: number, sub: number, payload: Uint8Array) => {
	const e = encoding.createEncoder()
	encoding.writeVarUint(e, type)
	encoding.writeVarUint(e, sub)
	encoding.writeVarUint8Array(e, payload)
	return encoding.toUint8Array(e)
}

ws.on('open', () => ws.send(frame(0, 0, Y.encodeStateVector(doc))))
ws.on('message', (data: Buffer) => {
	const decoder = decoding.createDecoder(new Uint8Array(data))
	if (decoding.readVarUint(decoder) !== 0) return
	const sub = decoding.readVarUint(decoder)
	if (sub === 0) {
		ws.send(frame(0, 1, Y.encodeStateAsUpdate(doc, decoding.readVarUint8Array(decoder))))
		return
	}
	Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), 'server')
	if (sub === 1 && !flooding) start()
})

function start() {
	flooding = true
	const fragment = doc.getXmlFragment('body')
	const text = new Y.XmlText()
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin === 'server') return
		ws.send(frame(0, 2, update))
		sent++
	})
	doc.transact(() => {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', `pflood${process.pid}`)
		p.setAttribute('kind', 'operative')
		p.insert(0, [text])
		fragment.insert(fragment.length, [p])
	})
	const pump = () => {
		if (ws.readyState !== ws.OPEN) return
		for (let i = 0; i < 500 && ws.bufferedAmount < 64 * 1024; i++) text.insert(text.length, 'x')
		setTimeout(pump, 1)
	}
	pump()
}

const report = () => {
	process.stdout.write(`${JSON.stringify({ sent })}\n`)
	process.exit(0)
}
process.on('SIGTERM', report)
ws.on('close', report)
ws.on('error', (error) => {
	process.stderr.write(`flooder: ${error.message}\n`)
	process.exit(1)
})
