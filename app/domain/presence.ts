import { z } from 'zod'

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

export const PresenceCursorSchema = z.object({ anchor: RelativePositionSchema, head: RelativePositionSchema }).strict()

export type PresenceCursor = z.infer<typeof PresenceCursorSchema>

/**
 * What of a client's presence state is passed on to others: its caret, if well formed.
 * Editors render other people's carets from this; a malformed one (an empty object, a string)
 * would throw inside every other delegate's editor, so it is dropped here, on the server.
 * Everything else a client publishes is dropped; `user` is set by the server from the login.
 */
export function sanitizePresence(state: Record<string, unknown>): { cursor: PresenceCursor | null } {
	const parsed = PresenceCursorSchema.safeParse(state.cursor)
	return { cursor: parsed.success ? parsed.data : null }
}
