/** A compact JWS in an `Authorization: Bearer` header: three base64url parts, bounded in length. */
const BEARER = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/;

/**
 * The one parser of `Authorization: Bearer <token>` for both services and both kinds of token (user
 * tokens and queue tokens). Anything that is not exactly one bearer token reads as none.
 */
export function readBearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  return BEARER.exec(header)?.[1] ?? null;
}
