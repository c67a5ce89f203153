/** Adds tags to a customer, keeping the tags it has (DESIGN.md, "Tag write-back"). */
export const TagsAddMutation = `#graphql
  mutation RoostTagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      node { id }
      userErrors { field message }
    }
  }
`;

export interface TagsAddData {
  tagsAdd: { node: { id: string } | null; userErrors: { field?: string[] | null; message: string }[] } | null;
}
