-- AlterTable
ALTER TABLE "DelegationMember" ADD COLUMN     "mayAnswer" BOOLEAN NOT NULL DEFAULT false;
