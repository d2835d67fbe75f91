import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createUserDirectory, type UserDirectory } from '../services/users.ts';

declare module 'fastify' {
  interface FastifyInstance {
    users: UserDirectory;
  }
}

/** Provisioning on first sight, one directory (and one cache of known users) per app. */
async function usersPlugin(app: FastifyInstance) {
  app.decorate('users', createUserDirectory(app.prisma));
}

export default fp(usersPlugin, { name: 'users', dependencies: ['prisma'], fastify: '5.x' });
