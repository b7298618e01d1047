import { expect, test } from 'vitest'
import * as ws from 'ws'
import { frameBinary } from '#server/index.ts'

/** `ws`'s frame parser (exported by the package, absent from its typings). */
type FrameReceiver = {
	on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void
	on(event: 'error', listener: (error: Error) => void): void
	write(chunk: Buffer): void
}
const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean; binaryType: string; maxPayload: number }) => FrameReceiver }

/** Reads frames with `ws`'s own parser, as a client of the server would (client side: unmasked frames). */
function parse(bytes: Buffer, chunk: number): Uint8Array[] {
	const messages: Uint8Array[] = []
	const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', maxPayload: 0 })
	receiver.on('message', (data: Buffer, isBinary: boolean) => {
		expect(isBinary).toBe(true)
		messages.push(new Uint8Array(data))
	})
	receiver.on('error', (error) => {
		throw error
	})
	for (let at = 0; at < bytes.length; at += chunk) receiver.write(bytes.subarray(at, at + chunk))
	return messages
}

test('messages framed once by the server decode, with every length encoding, to the same bytes', () => {
	// 7-bit, 16-bit and 64-bit lengths, at and around each boundary; a view into a larger buffer.
	const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 70_001]
	const backing = new Uint8Array(80_000).map((_, i) => (i * 31 + 7) % 256)
	const messages = lengths.map((length, i) => backing.subarray(i, i + length))
	const framed = frameBinary(messages)
	// Whole, and split into small chunks as TCP may deliver it.
	for (const chunk of [framed.length, 1_000, 7]) {
		const decoded = parse(framed, chunk)
		expect(decoded.map((m) => m.byteLength)).toEqual(lengths)
		decoded.forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(messages[i]!))).toBe(true))
	}
})

test('frames carry the shortest length encoding (RFC 6455 §5.2), and nothing else', () => {
	expect(frameBinary([]).length).toBe(0)
	expect([...frameBinary([new Uint8Array([0, 1, 2])])]).toEqual([0x82, 3, 0, 1, 2])
	const header = (length: number, size: number) => [...frameBinary([new Uint8Array(length)]).subarray(0, size)]
	expect(header(125, 2)).toEqual([0x82, 125])
	expect(header(126, 4)).toEqual([0x82, 126, 0, 126])
	expect(header(65_535, 4)).toEqual([0x82, 126, 0xff, 0xff])
	expect(header(65_536, 10)).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0])
	expect(frameBinary([new Uint8Array(65_536)]).length).toBe(65_546)
})
