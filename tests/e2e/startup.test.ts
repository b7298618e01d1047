import net from 'node:net'
import { afterAll, expect, test } from 'vitest'
import { spawnServer } from '#tests/setup/spawn-server.ts'
import { tempDir } from '#tests/setup/test-env.ts'

const data = tempDir('accord-startup-')
afterAll(() => data.remove())

test('a port already in use: one sentence that says what to do, no stack trace, and the process stops', async () => {
	const other = net.createServer()
	await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
	const port = (other.address() as net.AddressInfo).port
	try {
		const error = await spawnServer({ dataDir: data.dir, port }).then(
			() => null,
			(e: Error) => e,
		)
		expect(error?.message).toContain('server exited with 1 before listening')
		expect(error?.message).toContain(`Accord cannot start: port ${port} on 127.0.0.1 is already in use`)
		expect(error?.message).toContain('set PORT to a free port')
		expect(error?.message).not.toContain('EADDRINUSE')
	} finally {
		other.close()
	}
	// The folder was released: the next start on a free port opens it.
	const server = await spawnServer({ dataDir: data.dir })
	await server.stop()
})

test('a HOST that is not an address of this machine: one sentence naming HOST, and the process stops', async () => {
	// 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a machine.
	const error = await spawnServer({ dataDir: data.dir, env: { HOST: '192.0.2.1' } }).then(
		() => null,
		(e: Error) => e,
	)
	expect(error?.message).toContain('server exited with 1 before listening')
	expect(error?.message).toContain('Accord cannot start: HOST=192.0.2.1 is not an address of this machine')
	expect(error?.message).not.toContain('EADDRNOTAVAIL')
})
