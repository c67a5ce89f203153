import { z } from "zod";
import { PAGE_SIZE, type NodeData, type NodesData } from "../../graphql/fields";
import { InventoryLevelsQuery } from "../../graphql/InventoryLevelsQuery";
import { OrderLinesQuery } from "../../graphql/OrderLinesQuery";
import { ORDERS_PER_REQUEST, OrdersQuery } from "../../graphql/OrdersQuery";
import { PRODUCTS_PER_REQUEST, ProductsQuery } from "../../graphql/ProductsQuery";
import { ProductVariantsQuery } from "../../graphql/ProductVariantsQuery";
import { RefundLinesQuery } from "../../graphql/RefundLinesQuery";
import { REFUNDS_PER_REQUEST, RefundsQuery } from "../../graphql/RefundsQuery";
import {
  type GraphqlInventoryLevel,
  graphqlInventoryLevel,
  type GraphqlLineItem,
  graphqlLineItem,
  type GraphqlOrder,
  graphqlOrder,
  type GraphqlProduct,
  graphqlProduct,
  type GraphqlRefund,
  graphqlRefund,
  type GraphqlVariant,
  graphqlVariant,
  GraphqlShapeError,
  parseNode,
} from "../mirror/graphql";
import { type AdminClient, AdminTerminalError } from "../shopify/admin-client.server";

// Complete Admin API objects by id: every nested connection is followed to its last page, so
// the mirror (which replaces an order's lines and a product's variants) never sees half a list.

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() });
const connection = z.object({ nodes: z.array(z.unknown()), pageInfo });
type Connection = z.infer<typeof connection>;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** Pages through a top-level connection (`first: 100`, cursor pagination), yielding each page's nodes. */
export async function* pages(
  admin: AdminClient,
  query: string,
  field: string,
  variables: Record<string, unknown>,
): AsyncGenerator<unknown[]> {
  let after: string | null = null;
  for (;;) {
    const data: Record<string, unknown> = await admin.request(query, { ...variables, first: PAGE_SIZE, after });
    const page = parseNode(connection, data[field], `${field} page`);
    yield page.nodes;
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
    after = page.pageInfo.endCursor;
  }
}

/** The rest of a nested connection, from `start`'s cursor on, through `node(id:)`. */
async function rest(admin: AdminClient, query: string, id: string, field: string, start: Connection): Promise<unknown[]> {
  const nodes = [...start.nodes];
  let info = start.pageInfo;
  while (info.hasNextPage && info.endCursor) {
    const data = await admin.request<NodeData>(query, { id, after: info.endCursor });
    if (!data.node) break;
    const page = parseNode(connection, data.node[field], `${field} of ${id}`);
    nodes.push(...page.nodes);
    info = page.pageInfo;
  }
  return nodes;
}

const TOO_COSTLY = /exceeds the single query max cost/i;

async function byIds(admin: AdminClient, query: string, ids: readonly string[], perRequest: number): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (const chunk of chunks(ids, perRequest)) {
    let data: NodesData;
    try {
      data = await admin.request(query, { ids: chunk });
    } catch (error) {
      // Shopify priced the query above its limit: ask for fewer objects at a time.
      if (chunk.length > 1 && error instanceof AdminTerminalError && TOO_COSTLY.test(error.message)) {
        found.push(...(await byIds(admin, query, chunk, Math.ceil(chunk.length / 2))));
        continue;
      }
      throw error;
    }
    // A node deleted meanwhile comes back null (or empty, outside its fragment's type).
    for (const node of data.nodes) if (node && typeof node.id === "string") found.push(node);
  }
  return found;
}

export interface FetchedOrder {
  order: GraphqlOrder;
  lines: GraphqlLineItem[];
}

/** Calls `skip` with the shape error of an object that cannot be read, instead of failing the batch. */
async function tolerant<T>(skip: ((error: GraphqlShapeError) => void) | undefined, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (!skip || !(error instanceof GraphqlShapeError)) throw error;
    skip(error);
    return null;
  }
}

export type SkipHandler = (error: GraphqlShapeError) => void;

export async function fetchOrders(admin: AdminClient, ids: readonly string[], skip?: SkipHandler): Promise<FetchedOrder[]> {
  const result: FetchedOrder[] = [];
  for (const node of await byIds(admin, OrdersQuery, ids, ORDERS_PER_REQUEST)) {
    const fetched = await tolerant(skip, async () => {
      const order = parseNode(graphqlOrder, node, "Order");
      const lineNodes = await rest(admin, OrderLinesQuery, order.id, "lineItems", parseNode(connection, node.lineItems, `lineItems of ${order.id}`));
      return { order, lines: lineNodes.map((line) => parseNode(graphqlLineItem, line, "LineItem")) };
    });
    if (fetched) result.push(fetched);
  }
  return result;
}

export interface FetchedProduct {
  product: GraphqlProduct;
  variants: GraphqlVariant[];
  /** Per inventory item GID, its levels at every location. */
  levels: { inventoryItemGid: string; level: GraphqlInventoryLevel }[];
}

const variantWithLevels = z.object({
  inventoryItem: z.object({ id: z.string(), inventoryLevels: connection }).nullish(),
});

export async function fetchProducts(admin: AdminClient, ids: readonly string[], skip?: SkipHandler): Promise<FetchedProduct[]> {
  const result: FetchedProduct[] = [];
  for (const node of await byIds(admin, ProductsQuery, ids, PRODUCTS_PER_REQUEST)) {
    const fetched = await tolerant(skip, () => readProduct(admin, node));
    if (fetched) result.push(fetched);
  }
  return result;
}

async function readProduct(admin: AdminClient, node: Record<string, unknown>): Promise<FetchedProduct> {
  const product = parseNode(graphqlProduct, node, "Product");
  const variantNodes = await rest(admin, ProductVariantsQuery, product.id, "variants", parseNode(connection, node.variants, `variants of ${product.id}`));
  const fetched: FetchedProduct = { product, variants: [], levels: [] };
  for (const variantNode of variantNodes) {
    fetched.variants.push(parseNode(graphqlVariant, variantNode, "ProductVariant"));
    const item = parseNode(variantWithLevels, variantNode, "ProductVariant").inventoryItem;
    if (!item) continue;
    for (const level of await rest(admin, InventoryLevelsQuery, item.id, "inventoryLevels", item.inventoryLevels)) {
      fetched.levels.push({ inventoryItemGid: item.id, level: parseNode(graphqlInventoryLevel, level, "InventoryLevel") });
    }
  }
  return fetched;
}

export async function fetchRefunds(admin: AdminClient, ids: readonly string[], skip?: SkipHandler): Promise<GraphqlRefund[]> {
  const result: GraphqlRefund[] = [];
  for (const node of await byIds(admin, RefundsQuery, ids, REFUNDS_PER_REQUEST)) {
    const refund = await tolerant(skip, async () => {
      const parsed = parseNode(graphqlRefund, node, "Refund");
      const first = parseNode(connection, node.refundLineItems, `refundLineItems of ${parsed.id}`);
      if (!first.pageInfo.hasNextPage) return parsed;
      const all = await rest(admin, RefundLinesQuery, parsed.id, "refundLineItems", first);
      return parseNode(graphqlRefund, { ...node, refundLineItems: { nodes: all } }, "Refund");
    });
    if (refund) result.push(refund);
  }
  return result;
}
