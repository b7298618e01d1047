import { mintSyncToken } from '#app/utils/sync-token.server.ts'
import type { Framing } from './client.ts'
import { BENCH_SESSION_SECRET, type ServerKind } from '../servers/launch.ts'

/**
 * A row of the tables: a server and the kind of client that talks to it.
 * - floor: the relay; no echo (with echo, a relay would multiply every echo by the room size).
 * - yws / hocuspocus: their official providers' behaviour, echo on.
 * - accord: any y-websocket client (echo on), the target rows of the issue.
 * - accord-own: Accord's own browser client: no echo, ?acks=1.
 * - yws-noecho: y-websocket with clients that do not echo (the issue's reference row).
 */
export type VariantKey = 'floor' | 'yws' | 'yws-noecho' | 'hocuspocus' | 'accord' | 'accord-own'

export type Variant = { key: VariantKey; label: string; server: ServerKind; echo: boolean; acks: boolean }

export const VARIANTS: Record<VariantKey, Variant> = {
	floor: { key: 'floor', label: 'bare relay (floor, no echo)', server: 'floor', echo: false, acks: false },
	yws: { key: 'yws', label: 'y-websocket 1.5.4, echo', server: 'yws', echo: true, acks: false },
	'yws-noecho': { key: 'yws-noecho', label: 'y-websocket 1.5.4, no echo', server: 'yws', echo: false, acks: false },
	hocuspocus: { key: 'hocuspocus', label: 'Hocuspocus 3.4, echo', server: 'hocuspocus', echo: true, acks: false },
	accord: { key: 'accord', label: 'Accord, echo (y-websocket client)', server: 'accord', echo: true, acks: false },
	'accord-own': { key: 'accord-own', label: 'Accord (own client: no echo, acks)', server: 'accord', echo: false, acks: true },
}

export const DEFAULT_VARIANTS: VariantKey[] = ['floor', 'yws', 'hocuspocus', 'accord', 'accord-own']

export function framingOf(variant: Variant): Framing {
	return variant.server === 'hocuspocus' ? 'hocuspocus' : 'yws'
}

/** The WebSocket URL a client of this variant opens for a document. */
export function clientUrl(
	variant: Variant,
	port: number,
	doc: string,
	accord?: { documentId: string; userId: string; sessionId: string },
): string {
	const base = `ws://127.0.0.1:${port}`
	switch (variant.server) {
		case 'floor':
		case 'yws':
			return `${base}/${doc}`
		case 'hocuspocus':
			// One socket per simulated browser; the document name travels in every frame.
			return `${base}/`
		case 'accord': {
			if (!accord) throw new Error('Accord clients need a document and a user')
			const { token } = mintSyncToken(accord, Date.now(), BENCH_SESSION_SECRET)
			return `${base}/sync/${doc}?token=${encodeURIComponent(token)}${variant.acks ? '&acks=1' : ''}`
		}
	}
}

export const COLORS = ['#be123c', '#1d4ed8', '#047857', '#b45309', '#7c3aed', '#0e7490', '#a21caf', '#4d7c0f']
