import { Modal, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/**
 * A destructive action asked once more: the title as a question, what happens in a sentence,
 * the action's button and Cancel.
 */
export function ConfirmModal({ open, title, action, loading, onConfirm, onClose, children }: { open: boolean; title: string; action: string; loading: boolean; onConfirm: () => void; onClose: () => void; children: ReactNode }) {
  return (
    <Modal open={open} onClose={onClose} title={title} primaryAction={{ content: action, destructive: true, loading, onAction: onConfirm }} secondaryActions={[{ content: "Cancel", onAction: onClose }]}>
      <Modal.Section>
        <Text as="p">{children}</Text>
      </Modal.Section>
    </Modal>
  );
}
