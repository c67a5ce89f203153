// Personal data in Shopify's payloads, for the two places that must not keep it: a scrubbed
// inbox payload (app/services/privacy/deliveries.server.ts) and the log (logger.server.ts).

/**
 * Keys whose values say who a person is, how to reach them or where they live, wherever they
 * appear: contact details and names (REST and GraphQL spellings), free text a buyer or staff
 * writes about them, addresses, what links a storefront session to them.
 */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  "email",
  "contact_email",
  "contactEmail",
  "phone",
  "first_name",
  "last_name",
  "firstName",
  "lastName",
  "display_name",
  "displayName",
  "note",
  "note_attributes",
  "customAttributes",
  "properties",
  "billing_address",
  "shipping_address",
  "default_address",
  "addresses",
  "billingAddress",
  "shippingAddress",
  "defaultAddress",
  "destination",
  "company",
  "address1",
  "address2",
  "city",
  "zip",
  "latitude",
  "longitude",
  "browser_ip",
  "client_details",
  "landing_site",
  "referring_site",
  "order_status_url",
  "checkout_token",
  "cart_token",
  "token",
  "multipass_identifier",
  "email_marketing_consent",
  "sms_marketing_consent",
  "emailMarketingConsent",
  "smsMarketingConsent",
]);
