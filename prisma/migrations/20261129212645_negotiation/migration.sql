-- CreateEnum
CREATE TYPE "PreambleStyle" AS ENUM ('NONE', 'LETTERS');

-- CreateEnum
CREATE TYPE "BracketStatus" AS ENUM ('OPEN', 'RESOLVED');

-- AlterTable
ALTER TABLE "Document" ADD COLUMN     "preambleStyle" "PreambleStyle" NOT NULL DEFAULT 'NONE';

-- CreateTable
CREATE TABLE "Bracket" (
    "id" TEXT NOT NULL,
    "documentId" TEXT NOT NULL,
    "paragraphId" TEXT NOT NULL,
    "ownerDelegationId" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" "BracketStatus" NOT NULL DEFAULT 'OPEN',
    "resolution" TEXT,
    "resolvedText" TEXT,
    "resolvedById" TEXT,
    "resolvedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Bracket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BracketAlternative" (
    "id" TEXT NOT NULL,
    "bracketId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "delegationId" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BracketAlternative_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BracketSupport" (
    "id" TEXT NOT NULL,
    "bracketId" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "alternativeId" TEXT,
    "delegationId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BracketSupport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NegotiationEvent" (
    "id" TEXT NOT NULL,
    "documentId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "paragraphId" TEXT,
    "bracketId" TEXT,
    "summary" TEXT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "userId" TEXT NOT NULL,
    "delegationId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NegotiationEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Bracket_documentId_status_idx" ON "Bracket"("documentId", "status");

-- CreateIndex
CREATE INDEX "Bracket_ownerDelegationId_idx" ON "Bracket"("ownerDelegationId");

-- CreateIndex
CREATE INDEX "Bracket_createdById_idx" ON "Bracket"("createdById");

-- CreateIndex
CREATE INDEX "Bracket_resolvedById_idx" ON "Bracket"("resolvedById");

-- CreateIndex
CREATE INDEX "BracketAlternative_delegationId_idx" ON "BracketAlternative"("delegationId");

-- CreateIndex
CREATE INDEX "BracketAlternative_authorId_idx" ON "BracketAlternative"("authorId");

-- CreateIndex
CREATE UNIQUE INDEX "BracketAlternative_bracketId_number_key" ON "BracketAlternative"("bracketId", "number");

-- CreateIndex
CREATE INDEX "BracketSupport_alternativeId_idx" ON "BracketSupport"("alternativeId");

-- CreateIndex
CREATE INDEX "BracketSupport_delegationId_idx" ON "BracketSupport"("delegationId");

-- CreateIndex
CREATE INDEX "BracketSupport_userId_idx" ON "BracketSupport"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "BracketSupport_bracketId_target_delegationId_key" ON "BracketSupport"("bracketId", "target", "delegationId");

-- CreateIndex
CREATE INDEX "NegotiationEvent_documentId_createdAt_idx" ON "NegotiationEvent"("documentId", "createdAt");

-- CreateIndex
CREATE INDEX "NegotiationEvent_userId_idx" ON "NegotiationEvent"("userId");

-- CreateIndex
CREATE INDEX "NegotiationEvent_delegationId_idx" ON "NegotiationEvent"("delegationId");

-- AddForeignKey
ALTER TABLE "Bracket" ADD CONSTRAINT "Bracket_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "Document"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bracket" ADD CONSTRAINT "Bracket_ownerDelegationId_fkey" FOREIGN KEY ("ownerDelegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bracket" ADD CONSTRAINT "Bracket_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bracket" ADD CONSTRAINT "Bracket_resolvedById_fkey" FOREIGN KEY ("resolvedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketAlternative" ADD CONSTRAINT "BracketAlternative_bracketId_fkey" FOREIGN KEY ("bracketId") REFERENCES "Bracket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketAlternative" ADD CONSTRAINT "BracketAlternative_delegationId_fkey" FOREIGN KEY ("delegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketAlternative" ADD CONSTRAINT "BracketAlternative_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketSupport" ADD CONSTRAINT "BracketSupport_bracketId_fkey" FOREIGN KEY ("bracketId") REFERENCES "Bracket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketSupport" ADD CONSTRAINT "BracketSupport_alternativeId_fkey" FOREIGN KEY ("alternativeId") REFERENCES "BracketAlternative"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketSupport" ADD CONSTRAINT "BracketSupport_delegationId_fkey" FOREIGN KEY ("delegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BracketSupport" ADD CONSTRAINT "BracketSupport_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NegotiationEvent" ADD CONSTRAINT "NegotiationEvent_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "Document"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NegotiationEvent" ADD CONSTRAINT "NegotiationEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NegotiationEvent" ADD CONSTRAINT "NegotiationEvent_delegationId_fkey" FOREIGN KEY ("delegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
