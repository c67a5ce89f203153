import { pingDatabase } from "../db.server";

/** Liveness for load balancers and `npm start` checks: is the database reachable? */
export const loader = async () => {
  const database = await pingDatabase();
  return Response.json(
    { status: database ? "ok" : "unavailable", database: database ? "up" : "down" },
    { status: database ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
};
