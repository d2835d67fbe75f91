export { readBearer } from './bearer.ts';
export { default as identityPlugin, type IdentityPluginOptions } from './plugin.ts';
export {
  AuthInvalidError,
  createUserTokenVerifier,
  IdentityProviderUnavailableError,
  type SignUserTokenOptions,
  signUserToken,
  type UserIdentity,
  type UserTokenSettings,
  type UserTokenVerifier,
} from './user-token.ts';
export { authInvalid, type QueueTokenCodec, tokenInvalid, verifyQueueBearer } from './verify.ts';
