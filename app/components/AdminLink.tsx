import { Link } from "@shopify/polaris";
import type { ReactNode } from "react";
import { adminUrl } from "../services/members/format";

/**
 * A Shopify order or customer, shown by its name, linking to its page in Shopify admin.
 * App Bridge turns a shopify://admin link with target="_top" into navigation of the admin
 * itself (the app is in its iframe); the demo's stand-in opens its store page instead.
 */
export function AdminLink({ gid, children }: { gid: string | null | undefined; children: ReactNode }) {
  const url = gid ? adminUrl(gid) : null;
  return url ? (
    <Link url={url} target="_top">
      {children}
    </Link>
  ) : (
    <>{children}</>
  );
}

/** A sentence in which `label` (an order's name, where it first appears) links to `gid` in Shopify admin. */
export function LinkedSentence({ text, label, gid }: { text: string; label: string | null; gid: string | null }) {
  const at = label && gid ? text.indexOf(label) : -1;
  if (!label || at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <AdminLink gid={gid}>{label}</AdminLink>
      {text.slice(at + label.length)}
    </>
  );
}
