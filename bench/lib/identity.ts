import { signUserToken } from '@concert/identity';

/**
 * User tokens for users `firstUserId` … `firstUserId + count - 1`, signed with the services'
 * AUTH_JWT_SECRET as the deployment's identity provider would have issued them at login, before the
 * load: the load generator sends them ready-made, so signing is never part of a measured run.
 * `signUserToken` (jose) signs about 5,000 a second here with 256 in flight, 3,000 one at a time.
 */
export async function signUserTokens(
  secret: string,
  opts: { firstUserId: number; count: number; ttlSeconds: number; inFlight?: number },
): Promise<string[]> {
  const tokens = new Array<string>(opts.count);
  let next = 0;
  async function lane() {
    while (next < opts.count) {
      const i = next++;
      tokens[i] = (
        await signUserToken(secret, { userId: opts.firstUserId + i }, { ttlSeconds: opts.ttlSeconds })
      ).token;
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.inFlight ?? 256, opts.count) }, lane));
  return tokens;
}
