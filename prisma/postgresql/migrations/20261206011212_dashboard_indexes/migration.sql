-- CreateIndex
CREATE INDEX "WebhookDelivery_shopDomain_status_receivedAt_idx" ON "WebhookDelivery"("shopDomain", "status", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_shopDomain_topic_receivedAt_idx" ON "WebhookDelivery"("shopDomain", "topic", "receivedAt");

-- CreateIndex
CREATE INDEX "Order_shopId_deletedAt_idx" ON "Order"("shopId", "deletedAt");

