import { forbidden, toPayload, unauthenticated } from "@shopgraph/errors";
import type { UsersContext } from "../context.ts";
import { changePassword, login, register, setUserRole, updateProfile } from "../domain/accounts.ts";
import { logout, refreshSession } from "../domain/sessions.ts";
import { completeSocialLogin, linkIdentity, startSocialLogin, unlinkIdentity } from "../domain/social-login.ts";
import { deleteApp, registerApp, revokeAppAuthorization, rotateAppSecret } from "../domain/apps.ts";
import type { MutationResolvers } from "../generated/resolvers-types.ts";
import { registeredAppPayload, successPayload } from "./app-payloads.ts";

/** Marks the issued session's user as the one this request speaks for (User.email's data rule). */
async function issued<T extends { user: { id: string } }>(ctx: UsersContext, run: () => Promise<T>): Promise<T> {
  const session = await run();
  ctx.sessionUserId = session.user.id;
  return session;
}

// The SDL's @authenticated/@requiresScopes/@policy guarantee a viewer on those mutations; this narrows the type.
const viewerId = (ctx: UsersContext): string => ctx.viewer!.id;

/**
 * Sign-in methods are changed by the user's own session only, checked here and not only by the
 * access rules: an OAuth app acting for the user could otherwise link its own identity to the
 * account and sign in as the user from then on.
 */
const firstPartyUser = (ctx: UsersContext): string => {
  if (!ctx.viewer) throw unauthenticated();
  if (ctx.viewer.clientId !== undefined) throw forbidden("Apps cannot change how a user signs in");
  return ctx.viewer.id;
};
/** Who a started flow may later be linked to: the signed-in user of a first-party session, else no one. */
const linkableBy = (ctx: UsersContext): string | null =>
  ctx.viewer && ctx.viewer.clientId === undefined ? ctx.viewer.id : null;

export const Mutation = {
  register: (_, args, ctx) => toPayload("session", () => issued(ctx, () => register(ctx.accounts, args.input))),
  login: (_, args, ctx) => toPayload("session", () => issued(ctx, () => login(ctx.accounts, args.input, ctx.clientIp))),
  refreshSession: (_, args, ctx) =>
    toPayload("session", () => issued(ctx, () => refreshSession(ctx.sessions, args.refreshToken))),
  logout: async (_, args, ctx) => {
    const result = await toPayload("success", async () => (await logout(ctx.sessions, args.refreshToken), true));
    return { success: result.success ?? false, userErrors: result.userErrors };
  },
  updateProfile: (_, args, ctx) => toPayload("user", () => updateProfile(ctx.db, viewerId(ctx), args.input)),
  changePassword: async (_, args, ctx) => {
    const result = await toPayload(
      "success",
      async () => (await changePassword(ctx.accounts, viewerId(ctx), args.input, ctx.clientIp), true),
    );
    return { success: result.success ?? false, userErrors: result.userErrors };
  },
  setUserRole: (_, args, ctx) =>
    toPayload("user", () => setUserRole(ctx.sessions, viewerId(ctx), args.userId, args.role)),
  startSocialLogin: async (_, args, ctx) => {
    const result = await toPayload("flow", () => startSocialLogin(ctx.social, args.input, linkableBy(ctx)));
    return {
      authorizationUrl: result.flow?.authorizationUrl ?? null,
      state: result.flow?.state ?? null,
      userErrors: result.userErrors,
    };
  },
  // Signs in exactly as login does: the same session issuing, the same "this request's user" marker.
  completeSocialLogin: (_, args, ctx) =>
    toPayload("session", () => issued(ctx, () => completeSocialLogin(ctx.social, args.input))),
  linkIdentity: (_, args, ctx) => toPayload("user", () => linkIdentity(ctx.social, firstPartyUser(ctx), args.input)),
  unlinkIdentity: (_, args, ctx) =>
    toPayload("user", () => unlinkIdentity(ctx.social, firstPartyUser(ctx), args.provider)),
  // Apps (OAuth clients): the SDL's @policy admits ADMINs on first-party sessions only.
  registerApp: (_, args, ctx) => registeredAppPayload(() => registerApp(ctx.db, viewerId(ctx), args.input)),
  rotateAppSecret: (_, args, ctx) => registeredAppPayload(() => rotateAppSecret(ctx.db, args.id)),
  deleteApp: (_, args, ctx) =>
    successPayload(() => deleteApp({ db: ctx.db, revocations: ctx.sessions.revocations }, args.id)),
  revokeAppAuthorization: (_, args, ctx) =>
    toPayload("user", async () => {
      await revokeAppAuthorization({ db: ctx.db, revocations: ctx.sessions.revocations }, viewerId(ctx), args.appId);
      return ctx.loaders.user.load(viewerId(ctx));
    }),
} satisfies MutationResolvers;
