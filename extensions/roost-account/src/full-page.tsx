import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { Loyalty } from "./Loyalty";

// customer-account.page.render: Roost's own page in customer accounts (the block's "See all").
export default async () => {
  render(<Loyalty variant="page" />, document.body);
};
