import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { NotFoundPage } from "../components/NotFoundPage";
import { authenticate } from "../shopify.server";

// Any /app path no other route answers: the not-found page inside the app layout (so the
// navigation stays), with status 404. Authenticated first, as every admin route is: a document
// load without a session token goes through the library's bounce page like any other.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return data(null, { status: 404 });
};

export default function PageNotFound() {
  return <NotFoundPage />;
}
