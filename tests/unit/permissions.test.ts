import { describe, expect, test } from 'vitest'
import { canEditDocument, canReadDocument, getDocumentAccess } from '#app/domain/permissions.ts'

const accsm = { framework: 'ACCSM' as const }
const plus3 = { framework: 'ACCSM_PLUS_3' as const }

describe('getDocumentAccess', () => {
	test('member states edit, heads and delegates alike', () => {
		expect(getDocumentAccess({ delegationKind: 'MEMBER', role: 'HEAD' }, accsm)).toBe('edit')
		expect(getDocumentAccess({ delegationKind: 'MEMBER', role: 'DELEGATE' }, accsm)).toBe('edit')
	})
	test('an adviser suggests, where the delegation may edit', () => {
		expect(getDocumentAccess({ delegationKind: 'MEMBER', role: 'ADVISER' }, accsm)).toBe('suggest')
		expect(getDocumentAccess({ delegationKind: 'PARTNER', role: 'ADVISER' }, plus3)).toBe('suggest')
		expect(getDocumentAccess({ delegationKind: 'PARTNER', role: 'ADVISER' }, accsm)).toBe('read')
		expect(canEditDocument('suggest')).toBe(false)
	})
	test('the Secretariat edits on the Chair’s behalf', () => {
		expect(getDocumentAccess({ delegationKind: 'SECRETARIAT', role: 'HEAD' }, accsm)).toBe('edit')
	})
	test('dialogue partners edit ACCSM+3 texts and read ACCSM ones', () => {
		expect(getDocumentAccess({ delegationKind: 'PARTNER', role: 'HEAD' }, plus3)).toBe('edit')
		expect(getDocumentAccess({ delegationKind: 'PARTNER', role: 'DELEGATE' }, accsm)).toBe('read')
	})
	test('observers read and never edit', () => {
		expect(getDocumentAccess({ delegationKind: 'OBSERVER', role: 'HEAD' }, accsm)).toBe('read')
		expect(getDocumentAccess({ delegationKind: 'OBSERVER', role: 'HEAD' }, plus3)).toBe('read')
	})
	test('people outside the meeting have no access', () => {
		expect(getDocumentAccess(null, accsm)).toBe('none')
		expect(canReadDocument('none')).toBe(false)
		expect(canEditDocument('read')).toBe(false)
		expect(canEditDocument('edit')).toBe(true)
	})
})
