-- AlterTable
ALTER TABLE "Position" ALTER COLUMN "kind" DROP NOT NULL;
