import { afterAll, beforeAll } from 'vitest'
import type { PrismaClient } from '#app/generated/prisma/client.ts'
import { createMeeting } from '#tests/factories/meeting.ts'
import { startSyncServer } from './sync-server.ts'
import { createTestDatabase } from './test-db.ts'
import { initTestEnv } from './test-env.ts'

type Fixture = {
	db: Awaited<ReturnType<typeof createTestDatabase>>
	server: Awaited<ReturnType<typeof startSyncServer>>
	fixture: Awaited<ReturnType<typeof createMeeting>>
}

/**
 * One test file's world: a migrated in-memory database with a meeting in it, and the sync
 * server on port 0; torn down after the file. `more` adds data before the server starts.
 */
export function useSyncFixture<Extra = undefined>(more?: (prisma: PrismaClient) => Promise<Extra>): Fixture & { extra: Extra } {
	initTestEnv()
	const world = {} as Fixture & { extra: Extra }
	beforeAll(async () => {
		world.db = await createTestDatabase()
		world.fixture = await createMeeting(world.db.prisma)
		world.extra = (await more?.(world.db.prisma)) as Extra
		world.server = await startSyncServer()
	})
	afterAll(async () => {
		await world.server?.close()
		await world.db?.close()
	})
	return world
}
