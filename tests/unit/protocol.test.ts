import * as encoding from 'lib0/encoding'
import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import {
	decodeClientMessage,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeUpdate,
	isEmptyUpdate,
	ProtocolError,
	updateWouldChange,
} from '#server/protocol.ts'

describe('framing', () => {
	test('sync messages round-trip', () => {
		const doc = new Y.Doc()
		doc.getText('t').insert(0, 'Hà Nội')
		const update = Y.encodeStateAsUpdate(doc)
		const sv = Y.encodeStateVector(doc)
		expect(decodeClientMessage(encodeSyncStep1(sv))).toEqual({ type: 'sync-step1', stateVector: sv })
		expect(decodeClientMessage(encodeSyncStep2(update))).toEqual({ type: 'sync-step2', update })
		expect(decodeClientMessage(encodeUpdate(update))).toEqual({ type: 'update', update })
	})

	test('awareness and query-awareness decode', () => {
		const e = encoding.createEncoder()
		encoding.writeVarUint(e, 1)
		encoding.writeVarUint8Array(e, new Uint8Array([1, 2, 3]))
		expect(decodeClientMessage(encoding.toUint8Array(e))).toEqual({ type: 'awareness', update: new Uint8Array([1, 2, 3]) })
		expect(decodeClientMessage(new Uint8Array([3]))).toEqual({ type: 'query-awareness' })
	})

	test.each([
		['empty frame', new Uint8Array([])],
		['unknown message type', new Uint8Array([9, 0])],
		['unknown sync step', new Uint8Array([0, 7, 0])],
		['truncated payload', new Uint8Array([0, 2, 200, 1, 1])],
		['auth message from a client', new Uint8Array([2, 0, 0])],
	])('%s is a ProtocolError', (_name, frame) => {
		expect(() => decodeClientMessage(frame)).toThrow(ProtocolError)
	})
})

describe('updateWouldChange (read-only enforcement)', () => {
	function docWithText(text: string) {
		const doc = new Y.Doc()
		doc.getText('t').insert(0, text)
		return doc
	}

	test('an empty update and a repeat of known content change nothing', () => {
		const server = docWithText('Ha Noi')
		expect(isEmptyUpdate(new Uint8Array([0, 0]))).toBe(true)
		expect(updateWouldChange(server, new Uint8Array([0, 0]))).toBe(false)
		expect(updateWouldChange(server, Y.encodeStateAsUpdate(server))).toBe(false)
	})

	test('a read-only client’s sync reply, which repeats the whole delete set, changes nothing', () => {
		const server = docWithText('Ha Noi, Viet Nam')
		server.getText('t').delete(0, 4)
		const observer = new Y.Doc()
		Y.applyUpdate(observer, Y.encodeStateAsUpdate(server))
		const reply = Y.encodeStateAsUpdate(observer, Y.encodeStateVector(server))
		expect(updateWouldChange(server, reply)).toBe(false)
	})

	test('new text is a change', () => {
		const server = docWithText('Ha Noi')
		const client = new Y.Doc()
		Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
		const sv = Y.encodeStateVector(client)
		client.getText('t').insert(0, 'X')
		expect(updateWouldChange(server, Y.encodeStateAsUpdate(client, sv))).toBe(true)
	})

	test('deleting shown text is a change', () => {
		const server = docWithText('Ha Noi')
		const client = new Y.Doc()
		Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
		const sv = Y.encodeStateVector(client)
		client.getText('t').delete(0, 2)
		const update = Y.encodeStateAsUpdate(client, sv)
		expect(updateWouldChange(server, update)).toBe(true)
		Y.applyUpdate(server, update)
		expect(updateWouldChange(server, update)).toBe(false)
	})
})
