import { useNavigate } from "@remix-run/react";
import { BlockStack, Box, Button, DatePicker, InlineStack, OptionList, Popover, Text } from "@shopify/polaris";
import { useState } from "react";
import { addDays } from "../../lib/shop-day";
import { PRESETS, type Preset } from "../../services/analytics/range";
import type { AnalyticsRange } from "../../services/analytics/types";
import { PRESET_LABELS, rangeDates, rangeLabel } from "./format";

type Choice = Preset | "custom";

// The picker works in the browser's local dates; a shop-local day YYYY-MM-DD maps to the local
// midnight of the same calendar day and back, so the browser's own zone never shifts a day.
const toDate = (day: string) => {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date);
};
const toDay = (date: Date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;

/** The URL a choice leads to: `?range=7d`, or `?from=…&to=…` for a custom range. */
export function rangeSearch(choice: Choice, from: string, to: string): string {
  return choice === "custom" ? `?from=${from}&to=${to}` : `?range=${choice}`;
}

/**
 * The Dashboard's date range: presets and a calendar in a popover; Apply loads the Dashboard for
 * the range, which the URL then carries (so a reload or a shared link shows the same figures).
 */
export function RangePicker({ range, today }: { range: AnalyticsRange; today: string }) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<Choice>(range.preset);
  const [selected, setSelected] = useState({ start: toDate(range.from), end: toDate(range.to) });
  const [shown, setShown] = useState({ month: toDate(range.to).getMonth(), year: toDate(range.to).getFullYear() });

  const choose = (next: Choice) => {
    setChoice(next);
    if (next === "custom") return;
    const end = toDate(today);
    setSelected({ start: toDate(addDays(today, 1 - PRESETS[next])), end });
    setShown({ month: end.getMonth(), year: end.getFullYear() });
  };

  const apply = () => {
    setOpen(false);
    navigate(`/app${rangeSearch(choice, toDay(selected.start), toDay(selected.end))}`);
  };

  const activator = (
    <Button disclosure onClick={() => setOpen((isOpen) => !isOpen)} accessibilityLabel={`Date range: ${rangeLabel(range)}`}>
      {rangeLabel(range)}
    </Button>
  );

  return (
    <InlineStack gap="200" blockAlign="center">
      <Popover active={open} activator={activator} onClose={() => setOpen(false)} preferredAlignment="left" fluidContent>
        <Popover.Pane fixed>
          <InlineStack wrap={false} gap="0">
            <Box minWidth="180px" borderInlineEndWidth="025" borderColor="border-secondary">
              <OptionList
                title="Date range"
                options={[...Object.entries(PRESET_LABELS).map(([value, label]) => ({ value, label })), { value: "custom", label: "Custom" }]}
                selected={[choice]}
                onChange={([next]) => choose(next as Choice)}
              />
            </Box>
            <Box padding="400" maxWidth="320px">
              <BlockStack gap="300">
                <DatePicker
                  month={shown.month}
                  year={shown.year}
                  onMonthChange={(month, year) => setShown({ month, year })}
                  selected={selected}
                  onChange={(next) => {
                    setSelected({ start: next.start, end: next.end ?? next.start });
                    setChoice("custom");
                  }}
                  disableDatesAfter={toDate(today)}
                  allowRange
                />
                <Text as="p" tone="subdued">
                  <span data-testid="analytics-range-selection">{rangeDates({ from: toDay(selected.start), to: toDay(selected.end) })}</span>
                </Text>
              </BlockStack>
            </Box>
          </InlineStack>
        </Popover.Pane>
        <Popover.Pane fixed>
          <Box padding="300">
            <InlineStack align="end" gap="200">
              <Button onClick={() => setOpen(false)}>Cancel</Button>
              <Button variant="primary" onClick={apply}>
                Apply
              </Button>
            </InlineStack>
          </Box>
        </Popover.Pane>
      </Popover>
      <Text as="span" tone="subdued">
        <span data-testid="analytics-range">{rangeDates(range)}</span>
      </Text>
    </InlineStack>
  );
}
