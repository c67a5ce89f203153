/** One form for every email Roost compares or stores: trimmed, lower-case, null when empty. */
export function normaliseEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : null;
}
