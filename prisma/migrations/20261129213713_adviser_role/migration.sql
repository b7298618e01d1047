-- AlterEnum
ALTER TYPE "DelegationRole" ADD VALUE 'ADVISER';
