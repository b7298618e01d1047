/** What tests/bench/accord/setup.ts is asked for and what it writes back. */
export type SetupSpec = {
	dataDir: string
	users: number
	documents: { slug: string; seedFile: string }[]
	manifestFile: string
}

export type SetupManifest = {
	/** slug → document id */
	documents: Record<string, string>
	/** user ids, in creation order */
	users: string[]
	/** a logged-in session of each user (same order): sync tokens are bound to one */
	sessions: string[]
}

/** The user at `index` (wrapping around) with the session its tokens are minted for. */
export function personOf(manifest: SetupManifest, index: number): { userId: string; sessionId: string } {
	const i = ((index % manifest.users.length) + manifest.users.length) % manifest.users.length
	return { userId: manifest.users[i]!, sessionId: manifest.sessions[i]! }
}
