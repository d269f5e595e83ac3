import type { Viewer } from "@shopgraph/auth";
import type { OperationState } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";

import type { CostContext } from "./plugins/cost-limit-plugin.ts";
import type { LiveRequestState } from "./live/admission-plugin.ts";

/** Per-request state of the gateway. */
export interface GatewayContext extends CostContext {
  requestId: string;
  logger: Logger;
  viewer: Viewer | null;
  /** Client address for per-IP limits (x-forwarded-for only behind a trusted proxy). */
  clientIp: string;
  /** The verified access token, forwarded to subgraphs (which verify it again). */
  accessToken: string | null;
  /** Filled by the operation observer: name, type and error codes, for logs and metrics. */
  operation?: OperationState;
  /** Set on subscription admission (a streaming transport) and on the per-event queries of a live subscription. */
  live?: LiveRequestState;
}
