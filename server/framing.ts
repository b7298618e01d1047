/**
 * WebSocket frames written by the server itself: a room hands the same message (or list of
 * them) to every receiver, so it is framed once and each socket gets one plain write of the same
 * bytes, instead of `ws` framing it again per socket.
 */

/**
 * Messages up to this size are framed by the server itself, once for all receivers (larger
 * ones, a whole document for a joining client, go through `ws`, which does not copy them).
 */
const MAX_PREFRAMED_BYTES = 16 * 1024

/**
 * The framed bytes of a message or list, by its identity: built at the first receiver (null
 * when a message is too large to copy, decided once too).
 */
const framedCache = new WeakMap<object, Buffer | null>()

export function framedOnce(key: Uint8Array | readonly Uint8Array[]): Buffer | null {
	let framed = framedCache.get(key)
	if (framed === undefined) {
		const messages = key instanceof Uint8Array ? [key] : key
		framed = messages.every((m) => m.byteLength <= MAX_PREFRAMED_BYTES) ? frameBinary(messages) : null
		framedCache.set(key, framed)
	}
	return framed
}

/**
 * WebSocket frames (RFC 6455 §5.2) as a server sends them: final, binary, unmasked, one per
 * message, back to back. Compression is off (perMessageDeflate: false), so this is all `ws`
 * itself would write.
 */
export function frameBinary(messages: readonly Uint8Array[]): Buffer {
	let size = 0
	for (const m of messages) size += headerLength(m.byteLength) + m.byteLength
	const out = Buffer.allocUnsafe(size)
	let at = 0
	for (const m of messages) {
		const length = m.byteLength
		out[at++] = 0x82 // FIN, opcode 2 (binary)
		if (length < 126) out[at++] = length
		else if (length < 65_536) {
			out[at++] = 126
			out.writeUInt16BE(length, at)
			at += 2
		} else {
			out[at++] = 127
			out.writeBigUInt64BE(BigInt(length), at)
			at += 8
		}
		out.set(m, at)
		at += length
	}
	return out
}

function headerLength(length: number): number {
	return length < 126 ? 2 : length < 65_536 ? 4 : 10
}
