import { definePlan } from '../lib/load-plan.ts';

/** The same GET over and over: the bare route's baseline. */
export default definePlan((_args: Record<string, never> | undefined) => ({ method: 'GET' }));
