export interface ParsedGid {
  type: string;
  id: number;
  params: URLSearchParams;
}

export function toGid(type: string, id: number, params?: Record<string, string | number>): string {
  const query = params
    ? `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`
    : '';
  return `gid://shopify/${type}/${id}${query}`;
}

/** Parses `gid://shopify/Type/123[?params]`; returns null for anything Shopify would reject as a global id. */
export function parseGid(value: string): ParsedGid | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(\?.*)?$/.exec(value);
  if (!match) {
    return null;
  }
  const [, type = '', digits = '', query = ''] = match;
  const id = Number(digits);
  if (!Number.isSafeInteger(id) || id <= 0) {
    return null;
  }
  return { type, id, params: new URLSearchParams(query.slice(1)) };
}
