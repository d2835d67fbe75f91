import { Type } from '@sinclair/typebox';

export const MAX_ID = 2_147_483_647;

/** An id in a JSON body: an integer from 1 to 2147483647. */
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });

/**
 * An id in a path: exactly the decimal strings of 1..2147483647, with no sign, no leading zero, no
 * fraction. A pattern rather than coercion, so that `5.0`, `+5` or `1e3` are a VALIDATION_ERROR.
 */
export const ID_PATTERN =
  '^(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])$';

export const IdParam = Type.String({ pattern: ID_PATTERN });

/** Money: a non-negative integer of the smallest unit, within JSON's exact integers. */
export const Money = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const toId = (param: string): number => Number(param);
