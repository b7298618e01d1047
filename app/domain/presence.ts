import { z } from '#app/utils/zod.ts'

/** A Yjs item id as y-prosemirror writes it in a relative position. */
const IdSchema = z.object({ client: z.number().int().nonnegative(), clock: z.number().int().nonnegative() }).strict()

/**
 * A Y.RelativePosition as JSON: y-prosemirror publishes the object itself (`type`, `tname`,
 * `item` null when unused), `Y.relativePositionToJSON` leaves them out. Nothing else allowed.
 */
const RelativePositionSchema = z
	.object({
		type: IdSchema.nullable().optional(),
		tname: z.string().max(200).nullable().optional(),
		item: IdSchema.nullable().optional(),
		assoc: z.number().int().optional(),
	})
	.strict()

/** The caret's shape: the type, and the reference the server's hand-written check (isPresenceCursor) is tested against. */
export const PresenceCursorSchema = z.object({ anchor: RelativePositionSchema, head: RelativePositionSchema }).strict()

export type PresenceCursor = z.infer<typeof PresenceCursorSchema>

/**
 * What of a client's presence state is passed on to others: its caret, if well formed.
 * Editors render other people's carets from this; a malformed one (an empty object, a string)
 * would throw inside every other delegate's editor, so it is dropped here, on the server.
 * Everything else a client publishes is dropped; `user` is set by the server from the login.
 */
export function sanitizePresence(state: Record<string, unknown>): { cursor: PresenceCursor | null } {
	return { cursor: isPresenceCursor(state.cursor) ? state.cursor : null }
}

/**
 * PresenceCursorSchema, checked by hand: the sync server checks every caret change (hundreds a
 * second in a busy conference), and zod's safeParse was a large share of the cost of forwarding
 * one (docs/sync-performance-notebook.md, item 39). A change to the schema must be made here
 * too: tests/unit/presence.test.ts holds the two to the same answers. For parsed JSON, what
 * passes is the caret the schema would return (its keys in the client's order).
 */
export function isPresenceCursor(value: unknown): value is PresenceCursor {
	if (!isPlainObject(value) || !hasOnlyKeys(value, CURSOR_KEYS)) return false
	return isRelativePosition(value.anchor) && isRelativePosition(value.head)
}

const CURSOR_KEYS = new Set(['anchor', 'head'])
const POSITION_KEYS = new Set(['type', 'tname', 'item', 'assoc'])
const ID_KEYS = new Set(['client', 'clock'])

function isRelativePosition(value: unknown): boolean {
	if (!isPlainObject(value) || !hasOnlyKeys(value, POSITION_KEYS)) return false
	const { type, tname, item, assoc } = value
	if (type !== undefined && type !== null && !isId(type)) return false
	if (tname !== undefined && tname !== null && !(typeof tname === 'string' && tname.length <= 200)) return false
	if (item !== undefined && item !== null && !isId(item)) return false
	return assoc === undefined || Number.isSafeInteger(assoc)
}

function isId(value: unknown): boolean {
	if (!isPlainObject(value) || !hasOnlyKeys(value, ID_KEYS)) return false
	const { client, clock } = value
	return Number.isSafeInteger(client) && (client as number) >= 0 && Number.isSafeInteger(clock) && (clock as number) >= 0
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Every own key is one of `allowed` (the values' own checks make the required ones present). */
function hasOnlyKeys(value: Record<string, unknown>, allowed: Set<string>): boolean {
	for (const key of Object.keys(value)) if (!allowed.has(key)) return false
	return true
}
