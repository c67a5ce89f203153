import { BlockStack, Text } from "@shopify/polaris";

/** A labelled figure (a count, an amount), its value under `data-testid` for the tests, and an optional hint below. */
export function Figure({ label, testId, value, hint }: { label: string; testId: string; value: string | number; hint?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="p" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant="headingLg">
        <span data-testid={testId}>{value}</span>
      </Text>
      {hint && (
        <Text as="p" variant="bodySm" tone="subdued">
          {hint}
        </Text>
      )}
    </BlockStack>
  );
}
