-- Webhook events for an operator's acknowledge and resolve.
ALTER TYPE "WebhookEventType" ADD VALUE 'ALERT_ACKNOWLEDGED';
ALTER TYPE "WebhookEventType" ADD VALUE 'ALERT_RESOLVED';
