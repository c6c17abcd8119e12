-- AlterTable
ALTER TABLE "scores" ADD COLUMN     "recent_residuals" DOUBLE PRECISION[];
