-- CreateEnum
CREATE TYPE "CallKind" AS ENUM ('APPROVAL', 'SILENCE');

-- CreateEnum
CREATE TYPE "CallStatus" AS ENUM ('OPEN', 'ADOPTED', 'BLOCKED', 'BROKEN', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "ApprovalKind" AS ENUM ('APPROVE', 'RESERVATION', 'OBJECT');

-- AlterTable
ALTER TABLE "Document" ADD COLUMN     "adoptedRevisionId" TEXT;

-- CreateTable
CREATE TABLE "Revision" (
    "id" TEXT NOT NULL,
    "documentId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "state" BYTEA NOT NULL,
    "canonical" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "delegationId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "adoptedAt" TIMESTAMP(3),

    CONSTRAINT "Revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApprovalCall" (
    "id" TEXT NOT NULL,
    "documentId" TEXT NOT NULL,
    "revisionId" TEXT NOT NULL,
    "kind" "CallKind" NOT NULL,
    "deadline" TIMESTAMP(3),
    "timeZone" TEXT,
    "status" "CallStatus" NOT NULL DEFAULT 'OPEN',
    "openedById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "ApprovalCall_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Approval" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "revisionHash" TEXT NOT NULL,
    "delegationId" TEXT NOT NULL,
    "kind" "ApprovalKind" NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SilenceBreak" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "delegationId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SilenceBreak_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Revision_authorId_idx" ON "Revision"("authorId");

-- CreateIndex
CREATE INDEX "Revision_delegationId_idx" ON "Revision"("delegationId");

-- CreateIndex
CREATE UNIQUE INDEX "Revision_documentId_number_key" ON "Revision"("documentId", "number");

-- CreateIndex
CREATE INDEX "ApprovalCall_documentId_createdAt_idx" ON "ApprovalCall"("documentId", "createdAt");

-- CreateIndex
CREATE INDEX "ApprovalCall_status_kind_idx" ON "ApprovalCall"("status", "kind");

-- CreateIndex
CREATE INDEX "ApprovalCall_revisionId_idx" ON "ApprovalCall"("revisionId");

-- CreateIndex
CREATE INDEX "ApprovalCall_openedById_idx" ON "ApprovalCall"("openedById");

-- CreateIndex
CREATE INDEX "Approval_delegationId_idx" ON "Approval"("delegationId");

-- CreateIndex
CREATE INDEX "Approval_userId_idx" ON "Approval"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Approval_callId_delegationId_key" ON "Approval"("callId", "delegationId");

-- CreateIndex
CREATE INDEX "SilenceBreak_callId_idx" ON "SilenceBreak"("callId");

-- CreateIndex
CREATE INDEX "SilenceBreak_delegationId_idx" ON "SilenceBreak"("delegationId");

-- CreateIndex
CREATE INDEX "SilenceBreak_userId_idx" ON "SilenceBreak"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Document_adoptedRevisionId_key" ON "Document"("adoptedRevisionId");

-- AddForeignKey
ALTER TABLE "Document" ADD CONSTRAINT "Document_adoptedRevisionId_fkey" FOREIGN KEY ("adoptedRevisionId") REFERENCES "Revision"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Revision" ADD CONSTRAINT "Revision_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "Document"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Revision" ADD CONSTRAINT "Revision_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Revision" ADD CONSTRAINT "Revision_delegationId_fkey" FOREIGN KEY ("delegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalCall" ADD CONSTRAINT "ApprovalCall_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "Document"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalCall" ADD CONSTRAINT "ApprovalCall_revisionId_fkey" FOREIGN KEY ("revisionId") REFERENCES "Revision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalCall" ADD CONSTRAINT "ApprovalCall_openedById_fkey" FOREIGN KEY ("openedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_callId_fkey" FOREIGN KEY ("callId") REFERENCES "ApprovalCall"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_delegationId_fkey" FOREIGN KEY ("delegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SilenceBreak" ADD CONSTRAINT "SilenceBreak_callId_fkey" FOREIGN KEY ("callId") REFERENCES "ApprovalCall"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SilenceBreak" ADD CONSTRAINT "SilenceBreak_delegationId_fkey" FOREIGN KEY ("delegationId") REFERENCES "Delegation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SilenceBreak" ADD CONSTRAINT "SilenceBreak_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An adopted revision, and the answers to the call that adopted it, are the record of what
-- every member state approved: the database refuses to change or delete them, whatever asks.
CREATE FUNCTION accord_refuse_adopted_revision() RETURNS trigger AS $$
BEGIN
  IF OLD."adoptedAt" IS NOT NULL THEN
    RAISE EXCEPTION 'Revision % is adopted and cannot be changed', OLD."number" USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Revision_adopted_is_final"
  BEFORE UPDATE OR DELETE ON "Revision"
  FOR EACH ROW EXECUTE FUNCTION accord_refuse_adopted_revision();

CREATE FUNCTION accord_refuse_closed_answer() RETURNS trigger AS $$
BEGIN
  IF (SELECT "status" FROM "ApprovalCall" WHERE "id" = OLD."callId") <> 'OPEN' THEN
    RAISE EXCEPTION 'The call is closed: its answers cannot be changed' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Approval_closed_is_final"
  BEFORE UPDATE OR DELETE ON "Approval"
  FOR EACH ROW EXECUTE FUNCTION accord_refuse_closed_answer();
