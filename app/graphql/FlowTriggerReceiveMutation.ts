/** Starts the shop's workflows that use one of Roost's Flow triggers (docs/flow.md). */
export const FlowTriggerReceiveMutation = `#graphql
  mutation RoostFlowTriggerReceive($handle: String!, $payload: JSON!) {
    flowTriggerReceive(handle: $handle, payload: $payload) {
      userErrors { field message }
    }
  }
`;

export interface FlowTriggerReceiveData {
  flowTriggerReceive: { userErrors: { field?: string[] | null; message: string }[] } | null;
}
