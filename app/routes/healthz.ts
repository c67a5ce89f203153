import { appDeps } from "../runtime.server";
import { checkReadiness } from "../services/health/readiness.server";

/**
 * Readiness, for load balancers and `npm start` checks: 200 when this process can persist (the
 * database answers and, with REDIS_URL set, Redis does), else 503 naming what is down, so traffic
 * goes to a process that can store it. Liveness is `/healthz/live`.
 */
export const loader = async () => {
  const { ready, ...dependencies } = await checkReadiness(appDeps());
  return Response.json(
    { status: ready ? "ok" : "unavailable", ...dependencies },
    { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
};
