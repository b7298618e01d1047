import { spawnSync } from 'node:child_process'
import path from 'node:path'

/** The end-to-end tests run the production server: build the app once, fresh, before them. */
export default function setup() {
	const root = path.resolve(import.meta.dirname, '../..')
	const result = spawnSync(
		process.execPath,
		[path.join(root, 'node_modules/@react-router/dev/bin.js'), 'build', root, '--config', path.join(root, 'app/vite.config.ts'), '--logLevel', 'error'],
		{ cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
	)
	if (result.status !== 0) throw new Error('react-router build failed')
}
