import { BarChart, type DataSeries, LineChart, PolarisVizProvider } from "@shopify/polaris-viz";

// Shopify's charts (polaris-viz) measure the page as they draw, so they run in the browser only:
// on the server this module's exports are undefined (Remix's .client convention) and each card
// renders its table alone until React hydrates.

const count = (value: string | number | null) => (value === null ? "" : Number(value).toLocaleString("en-US"));
const percent = (value: string | number | null) => (value === null ? "" : `${value}%`);

export function LineSeriesChart({ data }: { data: DataSeries[] }) {
  return (
    <PolarisVizProvider>
      <LineChart data={data} isAnimated={false} theme="Light" yAxisOptions={{ integersOnly: true, labelFormatter: count }} />
    </PolarisVizProvider>
  );
}

export function BarSeriesChart({ data, percentages = false }: { data: DataSeries[]; percentages?: boolean }) {
  return (
    <PolarisVizProvider>
      <BarChart
        data={data}
        isAnimated={false}
        theme="Light"
        showLegend={data.length > 1}
        yAxisOptions={percentages ? { labelFormatter: percent } : { integersOnly: true, labelFormatter: count }}
      />
    </PolarisVizProvider>
  );
}
