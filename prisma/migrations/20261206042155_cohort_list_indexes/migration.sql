-- DropIndex
DROP INDEX "CohortTransition_shopId_occurredAt_idx";

-- CreateIndex
CREATE INDEX "CohortMembership_shopId_ruleId_memberId_idx" ON "CohortMembership"("shopId", "ruleId", "memberId");

-- CreateIndex
CREATE INDEX "CohortTransition_shopId_occurredAt_ruleId_direction_idx" ON "CohortTransition"("shopId", "occurredAt", "ruleId", "direction");

