-- CreateIndex
CREATE INDEX "Member_shopId_createdAt_idx" ON "Member"("shopId", "createdAt");

