-- CreateIndex
CREATE INDEX "Member_shopId_balance_idx" ON "Member"("shopId", "balance");

-- CreateIndex
CREATE INDEX "Member_shopId_tier_balance_idx" ON "Member"("shopId", "tier", "balance");

