import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { Loyalty } from "./Loyalty";

// customer-account.profile.block.render: the merchant places this block on the Profile page.
export default async () => {
  render(<Loyalty variant="block" />, document.body);
};
