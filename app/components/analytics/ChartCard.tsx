import { BlockStack, Button, Card, InlineStack, Text } from "@shopify/polaris";
import { type ReactNode, Suspense, useEffect, useState } from "react";

/** A chart's figures as a table: what screen readers read, and what the browser tests check. */
export interface ChartTable {
  /** data-testid of the table: `analytics-<id>-table`. */
  id: string;
  caption: string;
  columns: string[];
  /** The first cell of each row heads it (a day, a tier, an hour); `key` is its value as data (YYYY-MM-DD, an ISO hour). */
  rows: { key: string; cells: string[] }[];
}

/** True once React runs in the browser: the charts measure the page and draw only there. */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

/** The table; its styles are analytics.css, linked by the Dashboard route. */
export function DataTableFallback({ table, visible }: { table: ChartTable; visible: boolean }) {
  return (
    <div className={visible ? "roost-data-table-scroll" : "roost-visually-hidden"}>
      <table className="roost-data-table" data-testid={`analytics-${table.id}-table`}>
        <caption className="roost-visually-hidden">{table.caption}</caption>
        <thead>
          <tr>
            {table.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.key} data-key={row.key}>
              {row.cells.map((cell, index) =>
                index === 0 ? (
                  <th key={index} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={index}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * One chart in a card: its heading, the chart (drawn in the browser only), and its figures as a
 * table that is always in the page, hidden from sight until the merchant asks for it. With no data,
 * the `empty` sentence stands in for both.
 */
export function ChartCard({ id, title, description, empty, table, chart }: { id: string; title: string; description?: ReactNode; empty: string | null; table: ChartTable; chart: () => ReactNode }) {
  const hydrated = useHydrated();
  const [showTable, setShowTable] = useState(false);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          {empty === null && (
            <Button variant="plain" onClick={() => setShowTable((shown) => !shown)} ariaControls={`analytics-${id}-data`} ariaExpanded={showTable}>
              {showTable ? "Show chart" : "Show data table"}
            </Button>
          )}
        </InlineStack>
        {description}
        {empty !== null ? (
          <div data-testid={`analytics-${id}-empty`}>
            <Text as="p" tone="subdued">
              {empty}
            </Text>
          </div>
        ) : (
          <div id={`analytics-${id}-data`} data-testid={`analytics-${id}`}>
            {!showTable && (
              <div className="roost-chart">
                {/* No Suspense boundary in the server's HTML: hydrating one while this card's state changes makes React throw it away. */}
                {hydrated && <Suspense fallback={null}>{chart()}</Suspense>}
              </div>
            )}
            <DataTableFallback table={table} visible={showTable} />
          </div>
        )}
      </BlockStack>
    </Card>
  );
}
