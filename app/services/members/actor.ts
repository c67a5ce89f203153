/**
 * Who did it, for the ledger and the audit log: the staff member's email when the session is an
 * online one, else the Shopify user id from the App Bridge session token (Roost uses offline
 * tokens, so this is the usual case), else just "staff via admin".
 */
export function staffActor(
  session: { onlineAccessInfo?: { associated_user?: { email?: string | null } | null } | null },
  sessionToken?: { sub?: string | null } | null,
): string {
  const email = session.onlineAccessInfo?.associated_user?.email;
  if (email) return email;
  if (sessionToken?.sub) return `staff user ${sessionToken.sub} via admin`;
  return "staff via admin";
}
