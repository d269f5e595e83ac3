import type { Logger } from "@shopgraph/logger";
import type { Db } from "../db/client.ts";
import type { PaymentProvider } from "./payment-provider.ts";
import type { ProductsClient } from "./products-client.ts";

/** Points just before the saga's external calls (and final writes) where a test may inject a crash. */
export type CrashPoint = "reserve" | "charge" | "commit" | "release" | "confirm" | "cancel";

/** Test seams of the saga; production passes none. */
export interface SagaHooks {
  /** Runs before each step's external call, after the step was recorded; throwing simulates a crash. */
  beforeStep?: (point: CrashPoint, orderId: string) => void | Promise<void>;
}

/** Everything the checkout, lifecycle and recovery functions need, injected once by app.ts. */
export interface CheckoutDeps {
  db: Db;
  products: ProductsClient;
  payments: PaymentProvider;
  logger: Logger;
  /** How long a duplicate placeOrder waits for the first attempt's answer. */
  idempotencyWaitMs: number;
  hooks?: SagaHooks;
}

/** Calls the crash hook, if any. */
export async function reachStep(deps: CheckoutDeps, point: CrashPoint, orderId: string): Promise<void> {
  await deps.hooks?.beforeStep?.(point, orderId);
}
