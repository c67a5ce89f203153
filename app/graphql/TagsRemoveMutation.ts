/** Removes tags from a customer, keeping the others (DESIGN.md, "Tag write-back"). */
export const TagsRemoveMutation = `#graphql
  mutation RoostTagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      node { id }
      userErrors { field message }
    }
  }
`;

export interface TagsRemoveData {
  tagsRemove: { node: { id: string } | null; userErrors: { field?: string[] | null; message: string }[] } | null;
}
