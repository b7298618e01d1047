import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
	root,
	test: {
		setupFiles: ['tests/setup/setup-test-env.ts'],
		projects: [
			{
				extends: true,
				test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 20_000 },
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					testTimeout: 90_000,
					hookTimeout: 120_000,
					pool: 'forks',
				},
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['tests/e2e/**/*.test.ts'],
					testTimeout: 180_000,
					hookTimeout: 240_000,
					globalSetup: ['tests/setup/build-once.ts'],
					fileParallelism: false,
					pool: 'forks',
				},
			},
		],
	},
})
