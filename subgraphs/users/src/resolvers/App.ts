import type { AppResolvers } from "../generated/resolvers-types.ts";

export const App = {
  // The app's id is its OAuth client_id (a UUID, as verifiers require of `sub` in client-credentials tokens).
  clientId: (app) => app.id,
} satisfies AppResolvers;
